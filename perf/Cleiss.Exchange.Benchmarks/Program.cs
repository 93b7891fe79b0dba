using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Cleiss.Exchange.Benchmarks;

if (args.Length > 0 && args[0] == "compare")
{
    return await CompareMode.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "compare-sign")
{
    return await CompareSignMode.RunAsync(args[1..]);
}

// Short, fixed job: one launch, 15 warm-up and 10 measured iterations (BenchmarkDotNet builds its
// generated project under this build's ArtifactsPath, so nothing is written to the repository's artifacts/).
// 15 warm-ups, not 3: with the fixed InvocationCount a 5 KB iteration lasts only ~0.1 s, and tiered
// JIT + dynamic PGO had not settled after 3 (the 5 KB times kept falling by up to 4x during the
// measured iterations). SignatureBenchmarks has its own shorter job (see the class).
var job = Job.Default
    .WithStrategy(RunStrategy.Throughput)
    .WithLaunchCount(1)
    .WithWarmupCount(15)
    .WithIterationCount(10);
var config = DefaultConfig.Instance
    .AddJob(job.AsDefault())
    .AddExporter(JsonExporter.Full)
    .WithArtifactsPath(Path.Combine(HubWorkload.Metadata("ArtifactsPath"), "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(ValidationBenchmarks).Assembly).Run(args, config);
return 0;
