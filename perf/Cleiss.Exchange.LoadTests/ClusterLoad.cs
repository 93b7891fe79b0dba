using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Cleiss.Exchange.Hub.Host.Simulation;
using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>What one configuration measured. CPU figures are cores (CPU seconds per wall second) over the window.</summary>
internal sealed record ClusterResult(
    string Name, int Nodes, double Seconds, long Accepted, long Refused, long Delivered, long Backlog, LongHistogram AcceptMicroseconds, LongHistogram EndToEndMicroseconds,
    double NodeCores, double BrokerCores, double PostgresCores, double DriverCores, double MachineBusyCores, double DrainPerSecond, double DrainNodeCores, double DrainPostgresCores, double DrainMachineBusyCores,
    IReadOnlyList<string> Problems)
{
    /// <summary>Machine busy time not used by the processes measured (other work on the machine, the kernel's own).</summary>
    public double OtherCores => MachineBusyCores - NodeCores - BrokerCores - PostgresCores - DriverCores;

    public double AcceptedPerSecond => Accepted / Seconds;

    public double DeliveredPerSecond => Delivered / Seconds;
}

/// <summary>
/// The load of one configuration: <c>C</c> posters, each looping on POST /api/v1/documents with a fresh copy of the next
/// template (round-robin over the templates and over the nodes), as fast as the nodes answer (no backlog limit). A poller
/// reads the simulated partner's received list every 100 ms; a document first seen there is delivered at that moment, so
/// the end-to-end latency (202 → seen by the partner) has a resolution of ~100 ms. Only what happens inside the window
/// counts: a 202 whose request started and ended in it, a delivery first seen in it. Then the posters stop and, for
/// <see cref="Drain"/>, the backlog drains: delivered/s with no intake competing for the CPU (the delivery path's own rate).
/// </summary>
internal static class ClusterLoad
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    public static async Task<ClusterResult> RunAsync(
        string name, IReadOnlyList<HubNode> nodes, SimulatedAccessPoint partner, IReadOnlyList<SedTemplate> templates, int concurrency,
        Func<Task> settle, TimeSpan warmUp, TimeSpan measure, Process? broker)
    {
        long next = -1, accepted = 0, refused = 0, delivered = 0;
        long windowStart = long.MaxValue, windowEnd = long.MaxValue;
        bool stop = false, stopPolling = false;
        var acceptedAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var acceptLatency = new LongHistogram(600_000_000, 3);
        var endToEnd = new LongHistogram(600_000_000, 3);
        var problems = new List<string>();

        bool InWindow(long started, long ended) => started >= Volatile.Read(ref windowStart) && ended <= Volatile.Read(ref windowEnd);

        async Task PosterAsync()
        {
            while (!Volatile.Read(ref stop))
            {
                var i = Interlocked.Increment(ref next);
                var (document, instance) = templates[(int)(i % templates.Count)].Fresh();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(document);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                    using var response = await nodes[(int)(i % nodes.Count)].Client.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                    var ended = Stopwatch.GetTimestamp();
                    if ((int)response.StatusCode == 202)
                    {
                        acceptedAt[instance] = ended;
                        if (InWindow(started, ended))
                        {
                            Interlocked.Increment(ref accepted);
                            lock (acceptLatency)
                            {
                                acceptLatency.RecordValue(Stopwatch.GetElapsedTime(started, ended).Ticks / 10);
                            }
                        }
                        continue;
                    }
                    Problem($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Problem(ex.Message);
                }
                if (InWindow(started, Stopwatch.GetTimestamp()))
                {
                    Interlocked.Increment(ref refused);
                }
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

        async Task PollerAsync()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!Volatile.Read(ref stopPolling))
            {
                await Task.Delay(Poll);
                var now = Stopwatch.GetTimestamp();
                var inWindow = InWindow(now, now);
                foreach (var received in partner.Received)
                {
                    if (seen.Add(received.InstanceIdentifier) && inWindow)
                    {
                        delivered++;
                        if (acceptedAt.TryGetValue(received.InstanceIdentifier, out var at))
                        {
                            endToEnd.RecordValue(Math.Max(0, Stopwatch.GetElapsedTime(at, now).Ticks / 10));
                        }
                    }
                }
            }
        }

        var posters = Enumerable.Range(0, concurrency).Select(_ => Task.Run(PosterAsync)).ToArray();
        var poller = Task.Run(PollerAsync);
        await settle();
        await As4Driver.Progress("warm-up", warmUp, () => partner.Received.Count);
        var cpu = CpuSample.Take(nodes, broker);
        Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
        await As4Driver.Progress("measure", measure, () => partner.Received.Count);
        Volatile.Write(ref windowEnd, Stopwatch.GetTimestamp());
        var used = CpuSample.Take(nodes, broker) - cpu;
        var seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(posters);
        var backlog = acceptedAt.Count - partner.Received.Count;
        Volatile.Write(ref stopPolling, true);
        await poller;

        var drainCpu = CpuSample.Take(nodes, broker);
        var drainStart = (At: Stopwatch.GetTimestamp(), Delivered: partner.Received.Count);
        await Task.Delay(Drain);
        var drainUsed = CpuSample.Take(nodes, broker) - drainCpu;
        var drainSeconds = Stopwatch.GetElapsedTime(drainStart.At).TotalSeconds;
        var drained = partner.Received.Count - drainStart.Delivered;
        if (drained >= backlog)
        {
            problems.Add($"the backlog ({backlog}) emptied during the drain: its rate is a lower bound");
        }
        var dead = nodes.Where(n => n.HasExited).Select(n => $"node {n.Api} died: {n.LastErrors()}");
        var result = new ClusterResult(name, nodes.Count, seconds, accepted, refused, delivered, backlog, acceptLatency, endToEnd,
            used.Nodes / seconds, used.Broker / seconds, used.Postgres / seconds, used.Driver / seconds, used.MachineBusy / seconds,
            drained / drainSeconds, drainUsed.Nodes / drainSeconds, drainUsed.Postgres / drainSeconds, drainUsed.MachineBusy / drainSeconds, [.. problems, .. dead]);
        Console.WriteLine($"   {name}: {result.AcceptedPerSecond:0.0} accepted/s, {result.DeliveredPerSecond:0.0} delivered/s, {refused} refused, backlog at the end {backlog}; " +
            $"CPU nodes {result.NodeCores:0.00}, kafka {result.BrokerCores:0.00}, postgres {result.PostgresCores:0.00}, driver+partner {result.DriverCores:0.00}, machine busy {result.MachineBusyCores:0.00} cores (other {result.OtherCores:0.00}); " +
            $"drain without intake: {result.DrainPerSecond:0.0} delivered/s, CPU nodes {result.DrainNodeCores:0.00}, postgres {result.DrainPostgresCores:0.00}, machine busy {result.DrainMachineBusyCores:0.00}");
        foreach (var problem in result.Problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
        return result;
    }
}
