using BenchmarkDotNet.Attributes;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Routing;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The route stage (receiver → competence for the BUC and role at the document date → access point → endpoint,
/// with the rule that chose it as audit facts), wired as <c>HubPipeline</c> wires it for outbound documents, with the
/// real directory (<c>schemas/ir/directory.json</c>), on a document that went through ingest and validate.
/// <see cref="IntakeWithRoute"/> (baseline) is the whole outbound intake segment before the commit (ingest, validate,
/// route) on a fresh context; <see cref="Route"/> is the route stage alone on an already ingested and validated
/// context (its facts are reset first, as the StageRunner does between stages), so the ratio is the route's share
/// of the intake segment. Routing reads only the SBDH header, so its cost does not depend on the document size.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private HubWorkload _hub = null!;
    private RoutingStage _route = null!;
    private byte[] _bytes = [];
    private ExchangeContext _validated = null!;

    [Params("5KB", "50KB")]
    public string Size { get; set; } = "5KB";

    [GlobalSetup]
    public void Setup()
    {
        _hub = new HubWorkload();
        _route = CreateRoute();
        _bytes = Size == "5KB" ? HubWorkload.SmallDocument() : HubWorkload.LargeDocument();
        _validated = _hub.AcceptOrThrowAsync(_bytes).GetAwaiter().GetResult();
        var outcome = _route.ExecuteAsync(_validated, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        // The route must be found, else the benchmark measures a rejection.
        if (outcome.Kind != StageOutcomeKind.Continue || _validated.Route is not { Endpoint: not null } route)
        {
            throw new InvalidOperationException($"route returned {outcome.Kind}: {outcome.Error?.Code} {outcome.Error?.Detail}");
        }
        Console.WriteLine($"// document: {Size} = {_bytes.Length} bytes; route: {route.ReceiverId} via {route.AccessPointId} ({route.Endpoint}); {route.Rule}");
    }

    /// <summary>The route stage as <c>HubPipeline</c> builds it for outbound documents (hub options and routing options as defaults).</summary>
    public static RoutingStage CreateRoute()
    {
        var schemas = Path.Combine(HubWorkload.RepositoryRoot, "schemas");
        var directory = new InstitutionDirectory(Path.Combine(schemas, "ir", "directory.json"));
        return new RoutingStage(Direction.Outbound, directory, Options.Create(new HubOptions { SchemasDirectory = schemas }), Options.Create(new RoutingOptions()));
    }

    /// <summary>The outbound intake segment up to the commit: ingest, validate, route, on a fresh context.</summary>
    [Benchmark(Baseline = true)]
    public async Task<StageOutcomeKind> IntakeWithRoute()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, _bytes);
        await _hub.Ingest.ExecuteAsync(context, CancellationToken.None);
        context.ResetStageFacts();
        await _hub.Validate.ExecuteAsync(context, CancellationToken.None);
        context.ResetStageFacts();
        var outcome = await _route.ExecuteAsync(context, CancellationToken.None);
        return outcome.Kind;
    }

    /// <summary>The route stage alone on an ingested and validated document.</summary>
    [Benchmark]
    public async ValueTask<StageOutcomeKind> Route()
    {
        _validated.ResetStageFacts();
        var outcome = await _route.ExecuteAsync(_validated, CancellationToken.None);
        return outcome.Kind;
    }
}
