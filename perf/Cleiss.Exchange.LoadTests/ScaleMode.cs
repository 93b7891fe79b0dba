using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// <c>scale [backlog documents = 100000] [store documents = 1000000] [throughput documents = 4000] [rounds = 2] [concurrency = 16] [work folder = /tmp/cleiss-scale] [parts = backlog,store]</c>
/// (issue 8). <b>backlog</b>: one `cleiss run` (embedded, SQLite) whose partner endpoint is a closed port, with one-hour
/// retry backoff, takes the documents at the maximum rate; its RSS (/proc/&lt;pid&gt;/status VmRSS, VmHWM) is sampled every
/// second, and the GC heap through dotnet-counters when it is installed (env DOTNET_COUNTERS, or /tmp/dntools/dotnet-counters).
/// <b>store</b>: a seed hub delivers a few hundred documents to the simulated partner; its store is copied twice, one copy
/// is filled with clones of those delivered documents (<see cref="StoreFiller"/>) and checked with `cleiss audit verify`;
/// then, alternating empty / filled for each round, a hub starts on the store and a closed-loop maximum-rate post of N
/// documents is delivered to the partner: accepted/s and delivered/s (N / first post → last delivery). Finally EXPLAIN
/// QUERY PLAN of the per-document statements on the filled store. perf/README.md, "Scale: backlog memory and a
/// 1,000,000-document store (issue 8)".
/// </summary>
internal static class ScaleMode
{
    private static readonly string[] Samples = ["A001-outbound-1.xml", "P2000-outbound-1.xml", "H001-outbound-1.xml"];

    public static async Task<int> RunAsync(string[] args)
    {
        var backlog = Arg(args, 0, 100_000);
        var storeDocuments = Arg(args, 1, 1_000_000);
        var throughput = Arg(args, 2, 4000);
        var rounds = Arg(args, 3, 2);
        var concurrency = Arg(args, 4, 16);
        var root = args.Length > 5 ? args[5] : "/tmp/cleiss-scale";
        var parts = (args.Length > 6 ? args[6] : "backlog,store").Split(',');
        var started = DateTimeOffset.UtcNow;
        Console.WriteLine($"scale, {started:u}: nproc {Environment.ProcessorCount}, /proc/loadavg {LoadAverage()}, .NET {Environment.Version}; backlog {backlog}, store {storeDocuments}, " +
            $"throughput {throughput} x {rounds} rounds, {concurrency} posters, folder {root}");
        // 5–20 KB: three shipped samples (3.8–5.1 KB) and the 20 KB P2100, round-robin.
        var templates = Samples.Select(SedTemplate.Unchanged).Append(new SedTemplate()).ToList();
        Console.WriteLine($"SEDs (round-robin): {string.Join(", ", templates.Select(t => $"{t.Name} {t.Bytes} B"))}; mean {templates.Average(t => t.Bytes):0} B");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
        await using var partner = await SimulatedAccessPoint.StartAsync(
            new SimulatedAccessPointSettings { Urls = "http://127.0.0.1:0", DataDirectory = Path.Combine(root, "partner") }, CancellationToken.None);
        var ok = true;
        if (parts.Contains("backlog"))
        {
            ok &= await BacklogAsync(Path.Combine(root, "backlog"), partner, templates, backlog, concurrency);
        }
        if (parts.Contains("store"))
        {
            ok &= await StoreAsync(root, partner, templates, storeDocuments, throughput, rounds, concurrency);
        }
        Console.WriteLine($"/proc/loadavg at the end {LoadAverage()}");
        return ok ? 0 : 1;
    }

    // ---------------------------------------------------------------- backlog memory

    private static async Task<bool> BacklogAsync(string data, SimulatedAccessPoint partner, List<SedTemplate> templates, int count, int concurrency)
    {
        Console.WriteLine($"== backlog: {count} documents, partner endpoint a closed port (connection refused), retry backoff 1 h");
        var hubData = Path.Combine(data, "hub");
        Trust(hubData, partner);
        var closed = FreePort(); // nothing listens there
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Mode"] = "embedded",
            ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
            ["Hub:Routing:EndpointOverrides:0:Url"] = $"http://127.0.0.1:{closed}/",
            ["Hub:Dispatch:MaxAttempts"] = "100",
            ["Hub:Dispatch:InitialBackoff"] = "01:00:00",
            ["Hub:Dispatch:MaxBackoff"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        using var hub = HubNode.Start(hubData, settings);
        await hub.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var sampler = new RssSampler(hub.ProcessId);
        using var counters = ScaleProbes.StartCounters(hub.ProcessId, Path.Combine(data, "counters.csv"));
        Console.WriteLine($"   hub pid {hub.ProcessId} {hub.Api}, ready; RSS {sampler.Sample().Rss / 1024.0:0} MB; dotnet-counters: {(counters is null ? "not found" : "collecting")}");
        var timer = Stopwatch.StartNew();
        var sampling = sampler.RunAsync(() => timer.Elapsed);
        var post = await PostAsync(hub, templates, count, concurrency, null, "backlog");
        var posting = timer.Elapsed;
        Console.WriteLine($"   posted: {post.Accepted} accepted, {post.Refused} refused in {posting.TotalSeconds:0.0} s ({post.Accepted / posting.TotalSeconds:0.0}/s); RSS {sampler.Last.Rss / 1024.0:0} MB, peak {sampler.PeakRss / 1024.0:0} MB");
        foreach (var problem in post.Problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
        // The delivery worker keeps parking what it has not reached yet: sample until the log is consumed (at most 10 min), then 15 s idle.
        var db = Path.Combine(hubData, "hub.db");
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromMinutes(10) && ScaleProbes.Lag(db) > 0)
        {
            await Task.Delay(5000);
            Console.WriteLine($"   [settle {settle.Elapsed.TotalSeconds,5:0} s] log records not yet consumed {ScaleProbes.Lag(db)}, RSS {sampler.Last.Rss / 1024.0:0} MB");
        }
        await Task.Delay(15_000);
        sampler.Stop();
        await sampling;
        var end = sampler.Sample();
        Console.WriteLine($"   after {timer.Elapsed.TotalSeconds:0} s: documents by status {ScaleProbes.StatusCounts(db)}; outbox {ScaleProbes.Count(db, "SELECT COUNT(*) FROM outbox")}; log records not consumed {ScaleProbes.Lag(db)}; " +
            $"hub.db {new FileInfo(db).Length / 1048576.0:0} MB");
        Console.WriteLine($"   RSS: start {sampler.First.Rss / 1024.0:0} MB, peak {sampler.PeakRss / 1024.0:0} MB (VmHWM {end.Hwm / 1024.0:0} MB), end {end.Rss / 1024.0:0} MB; hub CPU {hub.CpuTime().TotalSeconds:0} s");
        Console.WriteLine("   RSS by documents accepted: " + string.Join(", ", sampler.Series
            .GroupBy(s => s.Label / 10_000).Select(g => g.Last()).Select(s => $"{s.Label}: {s.Rss / 1024.0:0} MB")));
        if (counters is not null)
        {
            counters.Kill(entireProcessTree: true);
            await counters.WaitForExitAsync();
            Console.WriteLine("   GC (dotnet-counters, System.Runtime): " + ScaleProbes.CountersSummary(Path.Combine(data, "counters.csv")));
        }
        if (hub.HasExited)
        {
            Console.WriteLine($"   hub died: {hub.LastErrors()}");
        }
        Console.WriteLine($"   target ≤ 400 MB RSS with {count} documents in the backlog: {(sampler.PeakRss / 1024.0 <= 400 ? "met" : "MISSED")} (peak {sampler.PeakRss / 1024.0:0} MB)");
        return post.Accepted == count && !hub.HasExited;
    }

    // ---------------------------------------------------------------- the 1,000,000-document store

    private static async Task<bool> StoreAsync(string root, SimulatedAccessPoint partner, List<SedTemplate> templates, int fill, int count, int rounds, int concurrency)
    {
        var seed = Path.Combine(root, "seed", "hub");
        Trust(seed, partner);
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Mode"] = "embedded",
            ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
            ["Hub:Routing:EndpointOverrides:0:Url"] = partner.Endpoint.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Console.WriteLine($"== store: seed hub delivers {templates.Count * 100} documents (the templates of the fill)");
        using (var hub = HubNode.Start(seed, settings))
        {
            await hub.WaitReadyAsync(TimeSpan.FromSeconds(60));
            Directory.CreateDirectory(partner.TrustFolder);
            File.Copy(SigningKeyStore.CertificatePath(seed), Path.Combine(partner.TrustFolder, "fr.pem"), overwrite: true);
            var post = await PostAsync(hub, templates, templates.Count * 100, concurrency, partner, "seed");
            Console.WriteLine($"   seed: {post.Accepted} accepted, {post.Delivered} delivered in {post.Seconds:0.0} s");
            await Task.Delay(3000); // the last offsets and audit checkpoints
        }
        var empty = Path.Combine(root, "empty", "hub");
        var big = Path.Combine(root, "big", "hub");
        Copy(seed, empty);
        Copy(seed, big);

        Console.WriteLine($"== fill {big}/hub.db with {fill} delivered documents (/proc/loadavg {LoadAverage()})");
        var filled = StoreFiller.Fill(Path.Combine(big, "hub.db"), fill, done => Console.WriteLine($"   [fill] {done} documents, load {LoadAverage()}"));
        Console.WriteLine($"   filled: {filled.Documents} documents from {filled.Templates} templates, {filled.AuditRows} audit rows, {filled.EvidenceRows} evidence rows in {filled.Seconds:0} s " +
            $"({filled.Documents / filled.Seconds:0}/s); hub.db {filled.FileBytes / 1073741824.0:0.00} GiB (/proc/loadavg {LoadAverage()})");
        var verify = Stopwatch.StartNew();
        var (exit, output) = await CleissAsync("audit", "verify", "--data", big);
        Console.WriteLine($"   cleiss audit verify (exit {exit}, {verify.Elapsed.TotalSeconds:0} s): {output.Trim()}");

        var results = new List<(string Store, int Round, Measured Result)>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, folder) in new[] { ("empty", empty), ($"{fill:N0}", big) })
            {
                var audit = ScaleProbes.Count(Path.Combine(folder, "hub.db"), "SELECT COUNT(*) FROM audit");
                using var hub = HubNode.Start(folder, settings);
                var start = Stopwatch.StartNew();
                await hub.WaitReadyAsync(TimeSpan.FromMinutes(10));
                var ready = start.Elapsed;
                // The audit checkpointer reads the whole trail on its first run and signs the entries the fill added: wait for it.
                while (start.Elapsed < TimeSpan.FromMinutes(10) && ScaleProbes.Count(Path.Combine(folder, "hub.db"), "SELECT COALESCE(MAX(tree_size), 0) FROM audit_checkpoints") < audit)
                {
                    await Task.Delay(500);
                }
                var checkpointed = start.Elapsed;
                var warm = await PostAsync(hub, templates, 400, concurrency, partner, $"warm-up {name}");
                var cpu = hub.CpuTime();
                var load = LoadAverage();
                var result = await PostAsync(hub, templates, count, concurrency, partner, $"{name} round {round}");
                var used = (hub.CpuTime() - cpu).TotalSeconds;
                Console.WriteLine($"   {name} store, round {round}: ready {ready.TotalSeconds:0.0} s, checkpoint over {audit} entries after {checkpointed.TotalSeconds:0.0} s; warm-up {warm.Delivered}; " +
                    $"{result.Accepted} accepted in {result.AcceptSeconds:0.0} s = {result.Accepted / result.AcceptSeconds:0.0}/s, {result.Delivered} delivered in {result.Seconds:0.0} s = {result.Delivered / result.Seconds:0.0}/s; " +
                    $"accept p50 {result.P50:0.0} ms p99 {result.P99:0.0} ms; hub CPU {used / result.Seconds:0.00} cores; load {load} → {LoadAverage()}");
                foreach (var problem in result.Problems)
                {
                    Console.WriteLine($"   problem: {problem}");
                }
                results.Add((name, round, result));
            }
        }
        Console.WriteLine();
        Console.WriteLine("| store | round | accepted/s | delivered/s | accept p50 / p99 ms | delivered/s ÷ empty (same round) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var baseline = results.First(b => b.Round == r.Round).Result;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Store} | {r.Round} | {r.Result.Accepted / r.Result.AcceptSeconds:0.0} | {r.Result.Delivered / r.Result.Seconds:0.0} | {r.Result.P50:0.0} / {r.Result.P99:0.0} | {r.Result.Delivered / r.Result.Seconds / (baseline.Delivered / baseline.Seconds):0.00} |"));
        }
        Console.WriteLine();
        ScaleProbes.ExplainPlans(Path.Combine(big, "hub.db"));
        return results.All(r => r.Result.Delivered == count);
    }

    // ---------------------------------------------------------------- posting

    private sealed record Measured(long Accepted, long Refused, long Delivered, double AcceptSeconds, double Seconds, double P50, double P99, IReadOnlyList<string> Problems);

    /// <summary>
    /// Posts <paramref name="count"/> fresh documents with <paramref name="concurrency"/> posters as fast as answered; with a
    /// partner, then waits (at most 10 min) until it has received every accepted one. Seconds: first post → last delivery.
    /// </summary>
    private static async Task<Measured> PostAsync(HubNode hub, List<SedTemplate> templates, int count, int concurrency, SimulatedAccessPoint? partner, string phase)
    {
        long next = -1, accepted = 0, refused = 0;
        var ids = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var latencies = new HdrHistogram.LongHistogram(600_000_000, 3);
        var problems = new List<string>();
        var before = partner?.Received.Select(r => r.InstanceIdentifier).ToHashSet(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        async Task PosterAsync()
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var (document, instance) = templates[(int)(i % templates.Count)].Fresh();
                var at = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(document);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                    using var response = await hub.Client.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                    if ((int)response.StatusCode == 202)
                    {
                        ids[instance] = 0;
                        BacklogCounter.Set(Interlocked.Increment(ref accepted));
                        lock (latencies)
                        {
                            latencies.RecordValue(Stopwatch.GetElapsedTime(at).Ticks / 10);
                        }
                        continue;
                    }
                    Problem($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Problem(ex.Message);
                }
                Interlocked.Increment(ref refused);
            }
        }
        void Problem(string text)
        {
            lock (problems)
            {
                if (problems.Count < 5)
                {
                    problems.Add(text[..Math.Min(text.Length, 300)]);
                }
            }
        }
        long Delivered() => partner is null ? 0 : partner.Received.Count(r => !before!.Contains(r.InstanceIdentifier) && ids.ContainsKey(r.InstanceIdentifier));

        var posters = Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(PosterAsync)));
        var lastPrint = Stopwatch.GetTimestamp();
        while (!posters.IsCompleted)
        {
            await Task.WhenAny(posters, Task.Delay(1000));
            if (Stopwatch.GetElapsedTime(lastPrint) >= TimeSpan.FromSeconds(10))
            {
                lastPrint = Stopwatch.GetTimestamp();
                Console.WriteLine($"   [{phase} {Stopwatch.GetElapsedTime(started).TotalSeconds,5:0} s] {Interlocked.Read(ref accepted)} accepted{(partner is null ? "" : $", {Delivered()} delivered")}; load {LoadAverage()}");
            }
        }
        await posters;
        var acceptSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var delivered = 0L;
        if (partner is not null)
        {
            var wait = Stopwatch.StartNew();
            while ((delivered = Delivered()) < accepted && wait.Elapsed < TimeSpan.FromMinutes(10) && !hub.HasExited)
            {
                await Task.Delay(100);
            }
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Measured(accepted, refused, delivered, acceptSeconds, seconds,
            latencies.TotalCount == 0 ? 0 : latencies.GetValueAtPercentile(50) / 1000.0, latencies.TotalCount == 0 ? 0 : latencies.GetValueAtPercentile(99) / 1000.0, problems);
    }

    // ---------------------------------------------------------------- memory

    /// <summary>Samples /proc/&lt;pid&gt;/status every second: VmRSS and VmHWM (kB), labelled with what the caller counts.</summary>
    private sealed class RssSampler(int pid)
    {
        private volatile bool _stop;

        public List<(double Seconds, long Label, long Rss)> Series { get; } = [];

        public (long Rss, long Hwm) First { get; private set; } = (0, 0);

        public (long Rss, long Hwm) Last { get; private set; } = (0, 0);

        public long PeakRss { get; private set; }

        public (long Rss, long Hwm) Sample()
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kb(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kb(line);
                }
            }
            if (First.Rss == 0)
            {
                First = (rss, hwm);
            }
            Last = (rss, hwm);
            PeakRss = Math.Max(PeakRss, rss);
            return (rss, hwm);
        }

        public async Task RunAsync(Func<TimeSpan> clock)
        {
            var lastPrint = TimeSpan.Zero;
            while (!_stop)
            {
                try
                {
                    var (rss, _) = Sample();
                    lock (Series)
                    {
                        Series.Add((clock().TotalSeconds, BacklogCounter.Accepted, rss));
                    }
                    if (clock() - lastPrint >= TimeSpan.FromSeconds(10))
                    {
                        lastPrint = clock();
                        Console.WriteLine($"   [rss {clock().TotalSeconds,5:0} s] {rss / 1024.0:0} MB (peak {PeakRss / 1024.0:0} MB) at {BacklogCounter.Accepted} accepted");
                    }
                }
                catch (IOException)
                {
                    return; // the process is gone
                }
                await Task.Delay(1000);
            }
        }

        public void Stop() => _stop = true;

        private static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Documents accepted so far in the backlog phase, for the RSS series.</summary>
    private static class BacklogCounter
    {
        private static long _accepted;

        public static long Accepted => Interlocked.Read(ref _accepted);

        public static void Set(long value) => Interlocked.Exchange(ref _accepted, value);
    }


    // ---------------------------------------------------------------- helpers

    /// <summary>The partner's certificate in the hub's trust store (BE:AP0001's receipts are checked).</summary>
    private static void Trust(string hubData, SimulatedAccessPoint partner)
    {
        Directory.CreateDirectory(TrustStore.Folder(hubData));
        File.Copy(partner.CertificatePath, Path.Combine(TrustStore.Folder(hubData), "be.pem"), overwrite: true);
    }

    private static void Copy(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (!file.EndsWith("hub.lock", StringComparison.Ordinal))
            {
                File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
            }
        }
    }

    private static async Task<(int Exit, string Output)> CleissAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index && args[index].Length > 0 ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}
