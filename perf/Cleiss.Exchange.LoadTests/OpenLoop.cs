using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Storage;
using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// One load level against one hub process delivering to the simulated partner.
/// <para><b>Open loop</b> (<see cref="RunOpenAsync"/>): send i is due at start + i / rate, whatever the hub answers (each POST
/// is its own task), so a slow hub cannot slow the sender down and hide its latency (no coordinated omission).</para>
/// <para><b>Closed loop</b> (<see cref="RunClosedAsync"/>): at most C documents in flight end to end: a poster takes a token
/// before each POST; a token comes back when the partner has received a document (its list polled every 20 ms) or when a
/// POST is refused. This is the maximum sustained rate with a bounded backlog.</para>
/// <para>After the window the senders stop, the backlog drains (at most <see cref="DrainLimit"/>), and each accepted
/// document's view (<c>GET /api/v1/documents/{id}</c>) is read, outside the window. <c>UpdatedAt</c> of a delivered outbound
/// document is the time of its "delivered" event, which the dispatch stage records after it has verified the partner's
/// signed receipt; nothing changes an outbound document after that. Latency accept → verified receipt = UpdatedAt − the
/// moment the driver had the 202; send → verified receipt = UpdatedAt − the send's scheduled time (open loop: includes the
/// intake and any queueing before it). Both clocks are this machine's realtime clock (driver and hub on one host).
/// delivered/s = documents whose UpdatedAt falls in the window; accepted/s = 202s received in the window.</para>
/// </summary>
internal static class HubLoad
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);
    private const int MaxInFlightPosts = 4096;

    private sealed class Sent
    {
        public long Intended;
        public long Answered;
        public int Status;
        public Guid Id;
    }

    public static Task<LevelResult> RunOpenAsync(HubNode hub, SimulatedAccessPoint partner, IReadOnlyList<SedTemplate> mix, double rate, TimeSpan warmUp, TimeSpan window) =>
        RunAsync($"open loop {rate:0} docs/s", hub, partner, mix, rate, 0, warmUp, window);

    public static Task<LevelResult> RunClosedAsync(HubNode hub, SimulatedAccessPoint partner, IReadOnlyList<SedTemplate> mix, int concurrency, TimeSpan warmUp, TimeSpan window, string? name = null) =>
        RunAsync(name ?? $"max: closed loop, {concurrency} in flight", hub, partner, mix, 0, concurrency, warmUp, window);

    private static async Task<LevelResult> RunAsync(string name, HubNode hub, SimulatedAccessPoint partner, IReadOnlyList<SedTemplate> mix,
        double rate, int concurrency, TimeSpan warmUp, TimeSpan window)
    {
        Console.WriteLine($"== {name}: {warmUp.TotalSeconds:0} s warm-up, {window.TotalSeconds:0} s measured; load {As4Driver.LoadAverage()}");
        var records = new ConcurrentQueue<Sent>();
        var problems = new ConcurrentQueue<string>();
        var posts = new ConcurrentQueue<Task>();
        long next = -1, inFlight = 0, accepted = 0, refused = 0, skipped = 0;
        var stop = new CancellationTokenSource();
        var (zero, wallZero) = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        var deliveredBase = partner.Received.Count;
        var tokens = new SemaphoreSlim(Math.Max(concurrency, 0));

        async Task PostAsync(Sent sent)
        {
            var (document, _) = mix[(int)(Interlocked.Increment(ref next) % mix.Count)].Fresh();
            Interlocked.Increment(ref inFlight);
            try
            {
                using var content = new ByteArrayContent(document);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                using var response = await hub.Client.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                sent.Answered = Stopwatch.GetTimestamp();
                sent.Status = (int)response.StatusCode;
                if (sent.Status == 202)
                {
                    sent.Id = (await response.Content.ReadFromJsonAsync<AcceptedDocument>())!.Id;
                    Interlocked.Increment(ref accepted);
                    return;
                }
                Problem(problems, $"{sent.Status}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                sent.Answered = Stopwatch.GetTimestamp();
                Problem(problems, ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
            Interlocked.Increment(ref refused);
            if (concurrency > 0)
            {
                tokens.Release();
            }
        }

        async Task ScheduleAsync()
        {
            var interval = Stopwatch.Frequency / rate;
            var start = Stopwatch.GetTimestamp();
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                var due = start + (long)(i * interval);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    // Whole milliseconds, rounded up (Task.Delay truncates); a late wake-up sends the overdue documents at once.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)));
                }
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                if (Interlocked.Read(ref inFlight) >= MaxInFlightPosts)
                {
                    Interlocked.Increment(ref skipped); // the driver's own limit: reported as a problem
                    continue;
                }
                var sent = new Sent { Intended = due };
                records.Enqueue(sent);
                posts.Enqueue(Task.Run(() => PostAsync(sent)));
            }
        }

        async Task PosterAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await tokens.WaitAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var sent = new Sent { Intended = Stopwatch.GetTimestamp() };
                records.Enqueue(sent);
                await PostAsync(sent);
            }
        }

        async Task TokenPollerAsync()
        {
            var seen = deliveredBase;
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(20);
                var now = partner.Received.Count;
                if (now > seen)
                {
                    tokens.Release(now - seen);
                    seen = now;
                }
            }
        }

        var senders = concurrency > 0
            ? [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(PosterAsync)), Task.Run(TokenPollerAsync)]
            : new[] { Task.Run(ScheduleAsync) };
        long Delivered() => partner.Received.Count - deliveredBase;
        await As4Driver.Progress("warm-up", warmUp, Delivered);
        var cpuBefore = CpuSample.Take([hub], null);
        var windowStart = Stopwatch.GetTimestamp();
        CpuSample used;
        double rssPeak;
        await using (var rss = new ProcMemory.Sampler(hub.ProcessId))
        {
            await ProgressAsync(hub, window, Delivered, () => Interlocked.Read(ref accepted), () => Interlocked.Read(ref inFlight));
            used = CpuSample.Take([hub], null) - cpuBefore;
            rssPeak = rss.Peak;
        }
        var windowEnd = Stopwatch.GetTimestamp();
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        await Task.WhenAll(posts);
        var seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;

        // Drain: let the backlog reach the partner (bounded), so the latency of late documents is measured, not dropped.
        var drain = Stopwatch.StartNew();
        var total = Interlocked.Read(ref accepted);
        while (Delivered() < total && drain.Elapsed < DrainLimit)
        {
            await Task.Delay(100);
        }
        Console.WriteLine($"   drained: {Delivered()} of {total} accepted documents at the partner after {drain.Elapsed.TotalSeconds:0.0} s");
        // One more moment for the hub to record the last verified receipts (the partner counts a document before it answers).
        await Task.Delay(300);

        var views = await ReadViewsAsync(hub, records.Where(r => r.Status == 202).Select(r => r.Id).ToList(), problems);

        TimeSpan Offset(long timestamp) => Stopwatch.GetElapsedTime(zero, timestamp);
        var (from, to) = (Offset(windowStart), Offset(windowEnd));
        bool InWindow(TimeSpan t) => t >= from && t <= to;
        var acceptToReceipt = new LongHistogram(3_600_000_000, 3);
        var sendToReceipt = new LongHistogram(3_600_000_000, 3);
        var acceptCall = new LongHistogram(3_600_000_000, 3);
        var acceptToSigned = new LongHistogram(3_600_000_000, 3);
        var signedToReceipt = new LongHistogram(3_600_000_000, 3);
        long acceptedInWindow = 0, deliveredInWindow = 0, measured = 0, undelivered = 0, early = 0, sentInWindow = 0, refusedInWindow = 0;
        foreach (var sent in records)
        {
            var intended = Offset(sent.Intended);
            var answered = Offset(sent.Answered);
            var view = sent.Status == 202 ? views.GetValueOrDefault(sent.Id) : null;
            var deliveredAt = view is { Status: DocumentStatus.Delivered, UpdatedAt: { } updated } ? updated - wallZero : (TimeSpan?)null;
            if (deliveredAt is { } d && InWindow(d))
            {
                deliveredInWindow++;
            }
            if (sent.Status == 202 && InWindow(answered))
            {
                acceptedInWindow++;
            }
            if (!InWindow(intended))
            {
                continue;
            }
            sentInWindow++;
            if (sent.Status != 202)
            {
                refusedInWindow++;
                continue;
            }
            acceptCall.RecordValue(Math.Max(0, (answered - intended).Ticks / 10));
            if (deliveredAt is not { } at)
            {
                undelivered++;
                continue;
            }
            measured++;
            var fromAccept = at - answered;
            if (fromAccept < TimeSpan.Zero)
            {
                early++; // the hub held the verified receipt before the driver had read the 202
            }
            acceptToReceipt.RecordValue(Math.Max(0, fromAccept.Ticks / 10));
            sendToReceipt.RecordValue(Math.Max(0, (at - intended).Ticks / 10));
            if (view!.Events.FirstOrDefault(e => e is { Stage: "sign", Event: "signed" }) is { } signed)
            {
                var signedAt = signed.At - wallZero;
                acceptToSigned.RecordValue(Math.Max(0, (signedAt - answered).Ticks / 10));
                signedToReceipt.RecordValue(Math.Max(0, (at - signedAt).Ticks / 10));
            }
        }
        if (Interlocked.Read(ref skipped) > 0)
        {
            Problem(problems, $"{skipped} sends skipped: {MaxInFlightPosts} POSTs were already waiting (the driver's limit)");
        }
        if (undelivered > 0)
        {
            Problem(problems, $"{undelivered} documents accepted in the window were not delivered {DrainLimit.TotalSeconds:0} s after it: their latency is missing (the percentiles are lower bounds)");
        }
        if (hub.HasExited)
        {
            Problem(problems, "the hub died: " + hub.LastErrors());
        }
        var result = new LevelResult(name, rate, concurrency, seconds, sentInWindow, acceptedInWindow, refusedInWindow, deliveredInWindow, measured, undelivered, early,
            LatencySummary.Of(acceptToReceipt), LatencySummary.Of(sendToReceipt), LatencySummary.Of(acceptCall), LatencySummary.Of(acceptToSigned), LatencySummary.Of(signedToReceipt),
            used.Nodes / seconds, used.Driver / seconds, used.MachineBusy / seconds, rssPeak, [.. problems]);
        var l = result.AcceptToReceipt;
        Console.WriteLine($"   {result.AcceptedPerSecond:0.0} accepted/s, {result.DeliveredPerSecond:0.0} delivered/s; accept → verified receipt p50 {l.P50:0.0} / p95 {l.P95:0.0} / " +
            $"p99 {l.P99:0.0} / p99.9 {l.P999:0.0} ms ({measured} documents); CPU hub {result.HubCores:0.00}, driver+partner {result.DriverCores:0.00}, " +
            $"machine {result.MachineCores:0.00} cores; hub RSS peak {rssPeak:0} MB; 202 → signed p50 {result.AcceptToSigned.P50:0.0} / p99 {result.AcceptToSigned.P99:0.0} ms, " +
            $"signed → delivered p50 {result.SignedToReceipt.P50:0.0} / p99 {result.SignedToReceipt.P99:0.0} ms");
        foreach (var problem in result.Problems)
        {
            Console.WriteLine($"   problem: {problem}");
        }
        stop.Dispose();
        tokens.Dispose();
        return result;
    }

    /// <summary>The document views of <paramref name="ids"/>, 8 requests at a time.</summary>
    private static async Task<Dictionary<Guid, DocumentView>> ReadViewsAsync(HubNode hub, IReadOnlyList<Guid> ids, ConcurrentQueue<string> problems)
    {
        var views = new ConcurrentDictionary<Guid, DocumentView>();
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, token) =>
        {
            try
            {
                var view = await hub.Client.GetFromJsonAsync<DocumentView>(new Uri($"/api/v1/documents/{id}", UriKind.Relative), JsonSerializerOptions.Web, token);
                if (view is not null)
                {
                    views[id] = view;
                }
            }
            catch (HttpRequestException ex)
            {
                Problem(problems, $"GET /api/v1/documents/{id}: {ex.Message}");
            }
        });
        Console.WriteLine($"   read {views.Count} document views in {started.Elapsed.TotalSeconds:0.0} s");
        return new Dictionary<Guid, DocumentView>(views);
    }

    /// <summary>Every 5 s: accepted and delivered so far and their rates, POSTs waiting, the hub's CPU and RSS.</summary>
    private static async Task ProgressAsync(HubNode hub, TimeSpan duration, Func<long> delivered, Func<long> accepted, Func<long> inFlight)
    {
        var started = Stopwatch.GetTimestamp();
        var (lastAccepted, lastDelivered, lastAt, lastCpu) = (accepted(), delivered(), started, hub.CpuTime());
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            var left = TimeSpan.FromMilliseconds(Math.Ceiling((duration - Stopwatch.GetElapsedTime(started)).TotalMilliseconds));
            await Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
            var (now, a, d, cpu) = (Stopwatch.GetTimestamp(), accepted(), delivered(), hub.CpuTime());
            var seconds = Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds;
            Console.WriteLine($"   [measure {Stopwatch.GetElapsedTime(started).TotalSeconds,5:0.0} s] accepted {a} ({(a - lastAccepted) / seconds:0.0}/s), " +
                $"delivered {d} ({(d - lastDelivered) / seconds:0.0}/s), POSTs waiting {inFlight()}, hub CPU {(cpu - lastCpu).TotalSeconds / seconds:0.00} cores, " +
                $"RSS {ProcMemory.Read(hub.ProcessId).RssMb:0} MB; load {As4Driver.LoadAverage()}");
            (lastAccepted, lastDelivered, lastAt, lastCpu) = (a, d, now, cpu);
        }
    }

    private static void Problem(ConcurrentQueue<string> problems, string text)
    {
        text = text[..Math.Min(text.Length, 300)];
        if (problems.Count < 5 && !problems.Contains(text))
        {
            problems.Enqueue(text);
        }
    }
}
