using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The hub's per-document accept path (ingest + validate, without case rules), wired exactly as the
/// hub wires it, plus the two documents the benchmarks use.
/// </summary>
public sealed partial class HubWorkload
{
    /// <summary>The ~5 KB sample (a shipped valid sample, unpadded).</summary>
    public const string SmallSample = "U002-outbound-1.xml";

    /// <summary>The ~50 KB document is the same U002 with more PeriodInsurance entries (schema maxOccurs = 100).</summary>
    public const int LargeTargetBytes = 50 * 1024;

    private const int MaxPeriods = 100;

    public HubWorkload()
    {
        var schemas = Path.Combine(RepositoryRoot, "schemas");
        var hub = Options.Create(new HubOptions { SchemasDirectory = schemas });
        Packs = new PackRegistry(hub, NullLogger<PackRegistry>.Instance);
        var directory = new InstitutionDirectory(Path.Combine(schemas, "ir", "directory.json"));
        Rules = new BusinessRules(directory, new CodeLists(hub));
        Limits = new IntakeOptions();
        Ingest = new IngestStage(Direction.Outbound, Options.Create(Limits), Packs);
        Validate = new ValidationStage(Packs, Rules);
    }

    public PackRegistry Packs { get; }

    /// <summary>The structural limits the ingest stage uses (defaults, as in the hub).</summary>
    public IntakeOptions Limits { get; }

    public BusinessRules Rules { get; }

    public IngestStage Ingest { get; }

    public ValidationStage Validate { get; }

    /// <summary>The repository root, baked in at build time (CLEISS_REPO_ROOT overrides it).</summary>
    public static string RepositoryRoot =>
        Environment.GetEnvironmentVariable("CLEISS_REPO_ROOT") is { Length: > 0 } fromEnvironment ? fromEnvironment : Metadata("RepositoryRoot");

    public static string Metadata(string key) =>
        typeof(HubWorkload).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");

    public static byte[] SmallDocument() => File.ReadAllBytes(Path.Combine(RepositoryRoot, "schemas", "samples", "valid", SmallSample));

    /// <summary>
    /// The 5 KB sample with its PeriodInsurance entries repeated (in order, cycling) until the document
    /// reaches 50 KB; the caller checks that it still passes the whole accept path.
    /// </summary>
    public static byte[] LargeDocument()
    {
        var text = Encoding.UTF8.GetString(SmallDocument());
        var entries = PeriodEntry().Matches(text).Select(m => m.Value).ToList();
        var close = text.IndexOf("    </PeriodsInsurance>", StringComparison.Ordinal);
        if (entries.Count == 0 || close < 0)
        {
            throw new InvalidOperationException($"{SmallSample} has no PeriodInsurance entries to repeat.");
        }
        var extra = new StringBuilder();
        var count = entries.Count;
        while (Encoding.UTF8.GetByteCount(text) + Encoding.UTF8.GetByteCount(extra.ToString()) < LargeTargetBytes)
        {
            if (count == MaxPeriods)
            {
                throw new InvalidOperationException("50 KB needs more PeriodInsurance entries than the schema allows.");
            }
            extra.Append(entries[count % entries.Count]);
            count++;
        }
        return Encoding.UTF8.GetBytes(text.Insert(close, extra.ToString()));
    }

    public static int PeriodCount(byte[] document) => PeriodEntry().Count(Encoding.UTF8.GetString(document));

    /// <summary>The whole per-document path: hardened parse + SBDH header, then pack lookup, XSD, business rules.</summary>
    public async ValueTask<StageOutcomeKind> AcceptAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, bytes);
        var ingested = await Ingest.ExecuteAsync(context, cancellationToken);
        if (ingested.Kind != StageOutcomeKind.Continue)
        {
            return ingested.Kind;
        }
        var validated = await Validate.ExecuteAsync(context, cancellationToken);
        return validated.Kind;
    }

    /// <summary>Like <see cref="AcceptAsync"/> but throws with the hub's error detail when a stage does not continue.</summary>
    public async Task<ExchangeContext> AcceptOrThrowAsync(byte[] bytes)
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, bytes);
        foreach (var stage in new IStage[] { Ingest, Validate })
        {
            var outcome = await stage.ExecuteAsync(context, CancellationToken.None);
            if (outcome.Kind != StageOutcomeKind.Continue)
            {
                throw new InvalidOperationException($"{stage.Name} returned {outcome.Kind}: {outcome.Error?.Code} {outcome.Error?.Detail}");
            }
        }
        return context;
    }

    /// <summary>The SED element of an ingested document.</summary>
    public static XmlElement SedOf(ExchangeContext context)
    {
        SbdhReader.TryRead(context.Document!, out var sed, out var problem);
        return sed ?? throw new InvalidOperationException(problem);
    }

    /// <summary>The pack the validate stage picks for an ingested document.</summary>
    public ValidationPack PackFor(XmlElement sed) =>
        Packs.Find(sed.NamespaceURI, sed.GetAttribute("sedGVer"), sed.GetAttribute("sedVer"))
        ?? throw new InvalidOperationException("No pack for the benchmark document.");

    /// <summary>XSD validation of an already parsed DOM, the way ValidationStage does it; returns the error count.</summary>
    public static int ValidateSchema(XmlDocument document, ValidationPack pack)
    {
        var errors = 0;
        document.Schemas = pack.Schemas;
        document.Validate((_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error)
            {
                errors++;
            }
        });
        return errors;
    }

    [GeneratedRegex(@"      <PeriodInsurance>.*?</PeriodInsurance>\r?\n", RegexOptions.Singleline)]
    private static partial Regex PeriodEntry();
}
