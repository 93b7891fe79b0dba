using System.Diagnostics;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;
using HdrHistogram;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.LoadTests;

/// <summary>What one configuration measured.</summary>
internal sealed record ExchangeResult(
    string Name, bool Compress, int Concurrency, double Seconds, long Messages, long Failures, LongHistogram LatencyMicroseconds,
    double CpuCores, long AllocatedBytes, int Gen0, int Gen1, int Gen2, Dictionary<string, StageTotals> Stages, IReadOnlyList<string> Problems)
{
    public double MessagesPerSecond => Messages / Seconds;

    public double CpuMsPerMessage => Messages == 0 ? 0 : CpuCores * Seconds * 1000 / Messages;

    public double Percentile(double p) => LatencyMicroseconds.TotalCount == 0 ? double.NaN : LatencyMicroseconds.GetValueAtPercentile(p) / 1000.0;
}

/// <summary>
/// The AS4 exchange driver. Each of N concurrent senders loops: a fresh 20 KB SED, business-signed with the French
/// hub's key (what the French hub's sign stage does before dispatch), then the French hub's own
/// <see cref="As4PartnerTransport"/> (resolved from its container, with a P-Mode whose Compress is the run's):
/// parse the SED header, build the AS4 user message, WS-Security-sign it, POST it to the Belgian hub's /as4,
/// read the answer, check the receipt lists every signed reference with its digest, check the Belgian certificate
/// and verify the receipt's signature. The latency is that call: send → verified receipt.
/// </summary>
internal static class As4Driver
{
    public static async Task<ExchangeResult> RunAsync(TwoHubs hubs, SedTemplate sed, StageMeter meter, bool compress, int concurrency, TimeSpan warmUp, TimeSpan measure, string label = "")
    {
        var services = hubs.France.Services;
        var pmode = new As4PMode { Id = TwoHubs.PModeId, AccessPointId = TwoHubs.BelgianAccessPoint, Url = hubs.BelgianAs4.ToString(), Compress = compress };
        var transport = ActivatorUtilities.CreateInstance<As4PartnerTransport>(services, Options.Create(new As4Options { PModes = [pmode] }));
        var key = services.GetRequiredService<SigningKeyStore>().Current;
        var name = $"AS4 exchange, compression {(compress ? "on" : "off")}, {concurrency} sender{(concurrency == 1 ? "" : "s")}";
        Console.WriteLine($"== {label}{name}: {warmUp.TotalSeconds:0} s warm-up, {measure.TotalSeconds:0} s measured");

        var problems = new List<string>();
        long completed = 0;
        long windowStart = long.MaxValue, windowEnd = long.MaxValue;
        var stop = false;
        var histograms = new LongHistogram[concurrency];
        var counts = new (long Ok, long Failed)[concurrency];

        async Task SenderAsync(int index)
        {
            var histogram = histograms[index] = new LongHistogram(120_000_000, 3);
            while (!Volatile.Read(ref stop))
            {
                var (document, instanceId) = sed.Fresh();
                var signed = BusinessSign(document, key);
                var started = Stopwatch.GetTimestamp();
                PartnerResponse? response = null;
                string? problem = null;
                try
                {
                    response = await transport.SendAsync(new PartnerMessage(hubs.BelgianAs4, instanceId, signed, "application/xml", TwoHubs.BelgianAccessPoint), CancellationToken.None);
                    problem = response.Proof is null ? $"{response.StatusCode}: {response.ProofProblem}" : null;
                }
                catch (Exception ex) when (ex is HttpRequestException or System.Net.ProtocolViolationException or TaskCanceledException)
                {
                    problem = ex.GetType().Name + ": " + ex.Message;
                }
                var ended = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref completed);
                if (started < Volatile.Read(ref windowStart) || ended > Volatile.Read(ref windowEnd))
                {
                    continue; // warm-up, or finished after the window closed
                }
                if (problem is null)
                {
                    histogram.RecordValue(Stopwatch.GetElapsedTime(started, ended).Ticks / 10);
                    counts[index].Ok++;
                }
                else
                {
                    counts[index].Failed++;
                    lock (problems)
                    {
                        if (problems.Count < 5)
                        {
                            problems.Add(problem);
                        }
                    }
                }
            }
        }

        var senders = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => SenderAsync(i))).ToArray();
        await Progress("warm-up", warmUp, () => Interlocked.Read(ref completed));
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        meter.TakeAndReset();
        Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
        await Progress("measure", measure, () => Interlocked.Read(ref completed));
        Volatile.Write(ref windowEnd, Stopwatch.GetTimestamp());
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var collections = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
        var (stages, _) = meter.TakeAndReset();
        var seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(senders);

        var latency = new LongHistogram(120_000_000, 3);
        foreach (var histogram in histograms)
        {
            latency.Add(histogram);
        }
        var result = new ExchangeResult(name, compress, concurrency, seconds, counts.Sum(c => c.Ok), counts.Sum(c => c.Failed), latency,
            cpu.TotalSeconds / seconds, allocated, collections.Item1, collections.Item2, collections.Item3, stages, problems);
        Console.WriteLine($"   {result.MessagesPerSecond:0.0} msgs/s ({result.Messages} in {seconds:0.0} s, {result.Failures} failed), p50 {result.Percentile(50):0.0} ms, " +
            $"p99 {result.Percentile(99):0.0} ms, p99.9 {result.Percentile(99.9):0.0} ms, max {latency.GetMaxValue() / 1000.0:0.0} ms; CPU {result.CpuCores:0.00} cores, {result.CpuMsPerMessage:0.00} ms/msg");
        foreach (var problem in problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
        return result;
    }

    /// <summary>The French hub's sign stage: parse, find the SED, enveloped business signature spliced into the bytes.</summary>
    public static byte[] BusinessSign(byte[] document, SigningCredentials key)
    {
        var parsed = HardenedXml.TryLoad(document, new IntakeOptions(), "sign", out var error) ?? throw new InvalidOperationException(error!.Detail);
        var sed = SbdhReader.SedElement(parsed) ?? throw new InvalidOperationException("No SED element.");
        return BusinessSignature.SignBytes(document, parsed, sed, key, out _);
    }

    /// <summary>Waits <paramref name="duration"/>, printing the completed count and rate every 5 seconds.</summary>
    public static async Task Progress(string phase, TimeSpan duration, Func<long> completed)
    {
        var started = Stopwatch.GetTimestamp();
        var last = completed();
        var lastAt = started;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            // Whole milliseconds, rounded up: Task.Delay truncates, so a sub-millisecond rest returned at once and the loop printed in a spin.
            var left = TimeSpan.FromMilliseconds(Math.Ceiling((duration - Stopwatch.GetElapsedTime(started)).TotalMilliseconds));
            await Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
            var now = Stopwatch.GetTimestamp();
            var count = completed();
            Console.WriteLine($"   [{phase} {Stopwatch.GetElapsedTime(started).TotalSeconds,5:0.0} s] {count} completed, {(count - last) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds:0.0}/s; load {LoadAverage()}");
            (last, lastAt) = (count, now);
        }
    }

    /// <summary>The 1-minute load average (/proc/loadavg), for the report.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
