using System.Diagnostics;
using System.Net.Http.Headers;

namespace Cleiss.Exchange.LoadTests;

/// <summary>What the end-to-end run measured.</summary>
internal sealed record EndToEndResult(int Concurrency, double Seconds, long Accepted, long Delivered, long Refused, long Retries, double CpuCores, Dictionary<string, StageTotals> Stages, IReadOnlyList<string> Problems)
{
    public double DeliveredPerSecond => Delivered / Seconds;
}

/// <summary>
/// End to end: N clients post fresh 20 KB SEDs to the French hub's API (POST /api/v1/documents); the French hub
/// validates, routes and commits them, then its delivery segment signs and dispatches each over AS4 (its configured
/// P-Mode) to the Belgian hub, which verifies, accepts and answers a signed receipt; the French hub verifies it and
/// records the document as delivered. Counts come from the hubs' own metrics (outbound dispatch completed). The
/// clients stop posting while more than <see cref="MaxBacklog"/> accepted documents wait for delivery, so the rate
/// measured is the steady delivered rate, not the intake's.
/// </summary>
internal static class EndToEnd
{
    private const int MaxBacklog = 64;

    public static async Task<EndToEndResult> RunAsync(TwoHubs hubs, SedTemplate sed, StageMeter meter, int concurrency, TimeSpan warmUp, TimeSpan measure)
    {
        Console.WriteLine($"== end to end (API → sign → AS4 → receipt → delivered), {concurrency} clients: {warmUp.TotalSeconds:0} s warm-up, {measure.TotalSeconds:0} s measured");
        using var api = new HttpClient { BaseAddress = hubs.FrenchApi, Timeout = TimeSpan.FromSeconds(60) };
        long accepted = 0, refused = 0, deliveredBase = 0;
        var stop = false;
        var problems = new List<string>();
        meter.TakeAndReset();
        long Delivered() => meter.Transitions("outbound/dispatch/completed");

        async Task ClientAsync()
        {
            while (!Volatile.Read(ref stop))
            {
                if (Interlocked.Read(ref accepted) - (deliveredBase + Delivered()) > MaxBacklog)
                {
                    await Task.Delay(5);
                    continue;
                }
                var (document, _) = sed.Fresh();
                using var content = new ByteArrayContent(document);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                using var response = await api.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                if ((int)response.StatusCode == 202)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                    var text = await response.Content.ReadAsStringAsync();
                    lock (problems)
                    {
                        if (problems.Count < 5)
                        {
                            problems.Add($"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
                        }
                    }
                }
            }
        }

        var clients = Enumerable.Range(0, concurrency).Select(_ => Task.Run(ClientAsync)).ToArray();
        await As4Driver.Progress("warm-up", warmUp, Delivered);
        var (_, warmTransitions) = meter.TakeAndReset();
        deliveredBase += warmTransitions.GetValueOrDefault("outbound/dispatch/completed");
        var acceptedBefore = Interlocked.Read(ref accepted);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await As4Driver.Progress("measure", measure, Delivered);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / seconds;
        var (stages, transitions) = meter.TakeAndReset();
        Volatile.Write(ref stop, true);
        await Task.WhenAll(clients);
        var retries = transitions.Where(t => t.Key.EndsWith("/retry", StringComparison.Ordinal)).Sum(t => t.Value);
        var result = new EndToEndResult(concurrency, seconds, Interlocked.Read(ref accepted) - acceptedBefore, transitions.GetValueOrDefault("outbound/dispatch/completed"),
            Interlocked.Read(ref refused), retries, cpu, stages, problems);
        Console.WriteLine($"   {result.DeliveredPerSecond:0.0} delivered/s ({result.Delivered} in {seconds:0.0} s; {result.Accepted} accepted, {result.Refused} refused, {retries} stage retries); CPU {cpu:0.00} cores");
        foreach (var problem in problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
        return result;
    }
}
