using System.Diagnostics;
using System.Globalization;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Trust;
using Cleiss.Exchange.KafkaMockHost;
using Npgsql;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// <c>cluster [postgres connection string | env CLEISS_PERF_POSTGRES] [seconds = 20] [node counts = 1,2,3] [concurrency = 16] [warm-up seconds = 5]</c>:
/// documents/s of `cleiss run` processes in cluster mode (one PostgreSQL schema, librdkafka's mock cluster of 3 brokers in
/// its own process, started once, 12 partitions per topic) with 1, 2, 3 nodes, and the same load on one node in embedded
/// mode (SQLite) as the baseline. Each configuration gets a fresh schema, topics, consumer group, data folder and simulated
/// partner. perf/README.md, "Cluster mode: documents/s with 1, 2, 3 nodes (issue 7)".
/// </summary>
internal static class ClusterMode
{
    private const int Partitions = 12;
    private const int MembersPerNode = 4; // KafkaOptions' default, written out: the group-join wait counts members
    private static readonly string[] Samples = ["A001-outbound-1.xml", "P2000-outbound-1.xml", "H001-outbound-1.xml"];

    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = args.Length > 0 && args[0].Length > 0 ? args[0] : Environment.GetEnvironmentVariable("CLEISS_PERF_POSTGRES")
            ?? throw new ArgumentException("cluster: give a PostgreSQL connection string (or set CLEISS_PERF_POSTGRES).");
        var measure = TimeSpan.FromSeconds(Arg(args, 1, 20));
        var counts = (args.Length > 2 ? args[2] : "1,2,3").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var concurrency = Arg(args, 3, 16);
        var warmUp = TimeSpan.FromSeconds(Arg(args, 4, 5));
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        Console.WriteLine($"cluster benchmark, {startedAt:u}: nproc {Environment.ProcessorCount}, /proc/loadavg {loadBefore}, .NET {Environment.Version}; " +
            $"{measure.TotalSeconds:0} s per configuration, nodes {string.Join(",", counts)}, {concurrency} posters, warm-up {warmUp.TotalSeconds:0} s");
        var templates = Samples.Select(SedTemplate.Unchanged).ToList();
        Console.WriteLine($"SEDs (round-robin): {string.Join(", ", templates.Select(t => $"{t.Name} {t.Bytes} B"))}");

        var runs = counts.Select(n => (Nodes: n, Suffix: Guid.NewGuid().ToString("N")[..12])).ToList();
        await using var kafka = await KafkaMockProcess.StartAsync(
            runs.SelectMany(r => new[] { new KafkaMockTopic("out-" + r.Suffix, Partitions), new KafkaMockTopic("in-" + r.Suffix, Partitions) }), brokers: 3);
        using var broker = Process.GetProcessById(kafka.ProcessId);
        Console.WriteLine($"kafka mock: pid {kafka.ProcessId}, {kafka.Bootstrap}, 3 brokers, {Partitions} partitions per topic");

        var root = Path.Combine(Path.GetTempPath(), "cleiss-cluster-bench", startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        var results = new List<ClusterResult>();
        var embedded = new Dictionary<string, string?> { ["Hub:Mode"] = "embedded" };
        results.Add(await RunConfigurationAsync("embedded (SQLite), 1 node", 1, Path.Combine(root, "embedded"), embedded, templates, concurrency, () => Task.CompletedTask, warmUp, measure, null));
        foreach (var (n, suffix) in runs)
        {
            var schema = "bench_" + suffix;
            await ExecuteAsync(postgres, $"CREATE SCHEMA {schema}");
            try
            {
                var group = "hub-" + suffix;
                var settings = new Dictionary<string, string?>
                {
                    ["Hub:Mode"] = "cluster",
                    ["Hub:Postgres:ConnectionString"] = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString,
                    ["Hub:Kafka:BootstrapServers"] = kafka.Bootstrap,
                    ["Hub:Kafka:ConsumerGroup"] = group,
                    ["Hub:Kafka:OutboundTopic"] = "out-" + suffix,
                    ["Hub:Kafka:InboundTopic"] = "in-" + suffix,
                    ["Hub:Kafka:SessionTimeout"] = "00:00:10",
                    ["Hub:Kafka:MembersPerNode"] = MembersPerNode.ToString(CultureInfo.InvariantCulture),
                };
                results.Add(await RunConfigurationAsync($"cluster, {n} node{(n == 1 ? "" : "s")}", n, Path.Combine(root, $"cluster-{n}"), settings, templates, concurrency,
                    () => GroupWait.UntilAssignedAsync(kafka.Bootstrap, group, n * MembersPerNode, "out-" + suffix, Partitions), warmUp, measure, broker));
            }
            finally
            {
                await ExecuteAsync(postgres, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
            }
        }
        TryDelete(root);

        var loadAfter = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        Console.WriteLine();
        Console.WriteLine($"### cluster run {startedAt:u} (nproc {Environment.ProcessorCount}; /proc/loadavg before {loadBefore}, after {loadAfter})");
        Console.WriteLine();
        Console.WriteLine("| configuration | accepted/s | delivered/s | delivered / embedded | accept p50 / p99 ms | accept → delivered p50 / p99 ms | refused | backlog at end | " +
            "CPU cores: nodes / kafka mock / postgres / driver+partner / other / machine busy | drain (no intake): delivered/s, / embedded, CPU nodes / postgres / machine |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var (baseline, drainBaseline) = (results[0].DeliveredPerSecond, results[0].DrainPerSecond);
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.AcceptedPerSecond:0.0} | {r.DeliveredPerSecond:0.0} | {r.DeliveredPerSecond / baseline:0.00} | {Ms(r.AcceptMicroseconds, 50)} / {Ms(r.AcceptMicroseconds, 99)} | " +
                $"{Ms(r.EndToEndMicroseconds, 50)} / {Ms(r.EndToEndMicroseconds, 99)} | {r.Refused} | {r.Backlog} | " +
                $"{r.NodeCores:0.00} / {r.BrokerCores:0.00} / {r.PostgresCores:0.00} / {r.DriverCores:0.00} / {r.OtherCores:0.00} / {r.MachineBusyCores:0.00} | " +
                $"{r.DrainPerSecond:0.0}, {r.DrainPerSecond / drainBaseline:0.00}, {r.DrainNodeCores:0.00} / {r.DrainPostgresCores:0.00} / {r.DrainMachineBusyCores:0.00} |"));
        }
        return results.All(r => r.Delivered > 0 && !r.Problems.Any(p => !p.StartsWith("the backlog", StringComparison.Ordinal))) ? 0 : 1;
    }

    private static async Task<ClusterResult> RunConfigurationAsync(
        string name, int count, string data, IReadOnlyDictionary<string, string?> cluster, IReadOnlyList<SedTemplate> templates, int concurrency,
        Func<Task> groupWait, TimeSpan warmUp, TimeSpan measure, Process? broker)
    {
        Console.WriteLine($"== {name}");
        await using var partner = await SimulatedAccessPoint.StartAsync(
            new SimulatedAccessPointSettings { Urls = "http://127.0.0.1:0", DataDirectory = Path.Combine(data, "partner") }, CancellationToken.None);
        var hubData = Path.Combine(data, "hub");
        Directory.CreateDirectory(TrustStore.Folder(hubData));
        File.Copy(partner.CertificatePath, Path.Combine(TrustStore.Folder(hubData), "be.pem"), overwrite: true);
        var settings = new Dictionary<string, string?>(cluster)
        {
            ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
            ["Hub:Routing:EndpointOverrides:0:Url"] = partner.Endpoint.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var nodes = new List<HubNode>();
        try
        {
            // The first node creates the signing key all nodes share (one data folder, one identity), then the others start together.
            nodes.Add(HubNode.Start(hubData, settings));
            await nodes[0].WaitReadyAsync(TimeSpan.FromSeconds(60));
            Directory.CreateDirectory(partner.TrustFolder);
            File.Copy(SigningKeyStore.CertificatePath(hubData), Path.Combine(partner.TrustFolder, "fr.pem"), overwrite: true);
            nodes.AddRange(Enumerable.Range(1, count - 1).Select(_ => HubNode.Start(hubData, settings)));
            await Task.WhenAll(nodes.Skip(1).Select(n => n.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            Console.WriteLine($"   {count} node(s) ready: {string.Join(", ", nodes.Select(n => $"pid {n.ProcessId} {n.Api}"))}");
            return await ClusterLoad.RunAsync(name, nodes, partner, templates, concurrency, groupWait, warmUp, measure, broker);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Ms(HdrHistogram.LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? "n/a" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}
