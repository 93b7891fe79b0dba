using System.Xml;
using BenchmarkDotNet.Attributes;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The hub's per-document accept work on a 5 KB and a 50 KB valid U002, and its parts measured separately.
/// Since outbound documents are schema-validated while they are parsed (IngestStage: PackRegistry.Peek +
/// HardenedXml.TryLoad with the pack's schemas; ValidationStage skips its own XSD pass when
/// context.SchemaValidatedWith matches), the split is: parse alone (no schemas), parse + XSD in one pass,
/// the ingest stage as a whole, the business rules, and the DOM re-validation that the hub now runs only
/// to locate the findings of an invalid document. Ratios are to <see cref="ParseXsdRules"/> of the same size.
/// DomRevalidate and RulesOnly each get a freshly ingested DOM per invocation (parsed in IterationSetup,
/// outside the measurement), as in the hub. Hence a fixed invocation count.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(Invocations)]
public class ValidationBenchmarks
{
    private const string Stage = "accept";
    private const int Invocations = 512;
    private readonly ExchangeContext[] _fresh = new ExchangeContext[Invocations];
    private readonly XmlElement[] _freshSed = new XmlElement[Invocations];
    private int _next;

    private HubWorkload _hub = null!;
    private byte[] _bytes = [];
    private ExchangeContext _parsed = null!;
    private XmlElement _sed = null!;
    private ValidationPack _pack = null!;
    private readonly List<Finding> _findings = [];

    [Params("5KB", "50KB")]
    public string Size { get; set; } = "5KB";

    [GlobalSetup]
    public void Setup()
    {
        _hub = new HubWorkload();
        _bytes = Size == "5KB" ? HubWorkload.SmallDocument() : HubWorkload.LargeDocument();
        // Both stages must return Continue, else the benchmark measures a rejection.
        _parsed = _hub.AcceptOrThrowAsync(_bytes).GetAwaiter().GetResult();
        _sed = HubWorkload.SedOf(_parsed);
        _pack = _hub.PackFor(_sed);
        // The full path must take the one-pass route (validated while parsed, no second XSD pass).
        if (_parsed.SchemaValidatedWith != _pack.Label)
        {
            throw new InvalidOperationException($"The ingest stage did not schema-validate while parsing (SchemaValidatedWith = '{_parsed.SchemaValidatedWith}', pack {_pack.Label}).");
        }
        if (HardenedXml.TryLoad(_bytes, _hub.Limits, Stage, _pack.Schemas, out var error, out var valid) is null || !valid)
        {
            throw new InvalidOperationException($"The benchmark document is not schema-valid in one pass: {error?.Detail}");
        }
        if (HubWorkload.ValidateSchema(_parsed.Document!, _pack) != 0)
        {
            throw new InvalidOperationException("The benchmark document is not schema-valid on the DOM.");
        }
        _findings.Clear();
        _hub.Rules.Check(_parsed, _sed, _findings);
        if (_findings.Count != 0)
        {
            throw new InvalidOperationException($"The benchmark document breaks {_findings.Count} business rule(s): {_findings[0].Code}.");
        }
        Console.WriteLine($"// document: {Size} = {_bytes.Length} bytes, {HubWorkload.PeriodCount(_bytes)} PeriodInsurance entries");
    }

    /// <summary>The whole path, as the hub runs it per document: ingest stage then validate stage.</summary>
    [Benchmark(Baseline = true)]
    public async Task<StageOutcomeKind> ParseXsdRules()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, _bytes);
        await _hub.Ingest.ExecuteAsync(context, CancellationToken.None);
        var outcome = await _hub.Validate.ExecuteAsync(context, CancellationToken.None);
        return outcome.Kind;
    }

    /// <summary>The ingest stage alone: pack peek, hardened parse + XSD in one pass, limit walk, SBDH header, facts.</summary>
    [Benchmark]
    public async Task<StageOutcomeKind> IngestOnly()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, _bytes);
        var outcome = await _hub.Ingest.ExecuteAsync(context, CancellationToken.None);
        return outcome.Kind;
    }

    /// <summary>Hardened parse into an XmlDocument + limit walk, without schemas (as for inbound documents).</summary>
    [Benchmark]
    public XmlDocument? ParseNoXsd() => HardenedXml.TryLoad(_bytes, _hub.Limits, Stage, out _);

    /// <summary>Hardened parse + XSD validation in one pass (validating reader) + limit walk, pack already known.</summary>
    [Benchmark]
    public bool ParseWithXsd()
    {
        HardenedXml.TryLoad(_bytes, _hub.Limits, Stage, _pack.Schemas, out _, out var valid);
        return valid;
    }

    /// <summary>Ingests one fresh document per invocation of the next iteration (not measured).</summary>
    [IterationSetup(Targets = [nameof(DomRevalidate), nameof(RulesOnly)])]
    public void ParseFreshDocuments()
    {
        for (var i = 0; i < Invocations; i++)
        {
            var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, _bytes);
            _hub.Ingest.ExecuteAsync(context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _fresh[i] = context;
            _freshSed[i] = HubWorkload.SedOf(context);
        }
        _next = 0;
    }

    /// <summary>
    /// XmlDocument.Validate of a freshly ingested DOM against the pack's schema set: the second pass
    /// ValidationStage now runs only when the one-pass validation failed (to locate the findings).
    /// </summary>
    [Benchmark]
    public int DomRevalidate() => HubWorkload.ValidateSchema(_fresh[_next++].Document!, _pack);

    /// <summary>The business rules (one tree walk) on a freshly ingested document.</summary>
    [Benchmark]
    public int RulesOnly()
    {
        _findings.Clear();
        var i = _next++;
        _hub.Rules.Check(_fresh[i], _freshSed[i], _findings);
        return _findings.Count;
    }
}
