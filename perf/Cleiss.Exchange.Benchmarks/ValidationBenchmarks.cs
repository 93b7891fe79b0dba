using System.Xml;
using BenchmarkDotNet.Attributes;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The hub's per-document accept work (parse + XSD + business rules) on a 5 KB and a 50 KB valid U002,
/// and its three parts measured separately. Ratios are to <see cref="ParseXsdRules"/> of the same size.
/// XsdOnly and RulesOnly each get a freshly parsed DOM per invocation (parsed in IterationSetup, outside
/// the measurement), as in the hub: re-using one DOM would measure something else (the business rules'
/// GetElementsByTagName lists subscribe to the document's change events, so a DOM used thousands of times
/// accumulates subscribers and the rules get slower and slower). Hence a fixed invocation count.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(Invocations)]
public class ValidationBenchmarks
{
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
        if (HubWorkload.ValidateSchema(_parsed.Document!, _pack) != 0)
        {
            throw new InvalidOperationException("The benchmark document is not schema-valid.");
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

    /// <summary>The ingest stage alone: hardened parse into an XmlDocument, limit walk, SBDH header.</summary>
    [Benchmark]
    public async Task<StageOutcomeKind> ParseOnly()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, _bytes);
        var outcome = await _hub.Ingest.ExecuteAsync(context, CancellationToken.None);
        return outcome.Kind;
    }

    /// <summary>Parses one fresh document per invocation of the next iteration (not measured).</summary>
    [IterationSetup(Targets = [nameof(XsdOnly), nameof(RulesOnly)])]
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

    /// <summary>XSD validation of an already parsed (fresh) DOM against the pack's compiled schema set.</summary>
    [Benchmark]
    public int XsdOnly() => HubWorkload.ValidateSchema(_fresh[_next++].Document!, _pack);

    /// <summary>The business rules on an already parsed (fresh) document.</summary>
    [Benchmark]
    public int RulesOnly()
    {
        _findings.Clear();
        var i = _next++;
        _hub.Rules.Check(_fresh[i], _freshSed[i], _findings);
        return _findings.Count;
    }
}
