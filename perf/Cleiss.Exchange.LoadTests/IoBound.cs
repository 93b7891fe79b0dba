using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>What the I/O bound measured: 202s/s of the minimal durable endpoint at C concurrent POSTs.</summary>
internal sealed record IoBoundResult(int Concurrency, double Seconds, long Accepted, long Failed, LatencySummary Post, double ServerCores, double DriverCores, double MachineCores, double RssPeakMb)
{
    public double AcceptedPerSecond => Accepted / Seconds;
}

/// <summary>
/// The I/O bound: <c>perf/Cleiss.Exchange.IoBaseline</c> as its own process (SQLite, WAL, synchronous=FULL, one transaction
/// per request, the hub's row), driven by C posters looping on POST /api/v1/documents with the same document mix, as fast
/// as it answers (closed loop).
/// </summary>
internal static class IoBound
{
    public static async Task<IoBoundResult> RunAsync(IReadOnlyList<SedTemplate> mix, int concurrency, TimeSpan warmUp, TimeSpan window, string data)
    {
        Console.WriteLine($"== I/O bound (IoBaseline: SQLite WAL, synchronous=FULL, one transaction per POST), {concurrency} posters: " +
            $"{warmUp.TotalSeconds:0} s warm-up, {window.TotalSeconds:0} s measured; load {As4Driver.LoadAverage()}");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Cleiss.Exchange.IoBaseline.dll"), "--urls", $"http://127.0.0.1:{port}", "--data", data])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            await WaitReadyAsync(client, process);
            long next = -1, accepted = 0, failed = 0;
            long windowStart = long.MaxValue, windowEnd = long.MaxValue;
            var stop = false;
            var latency = new LongHistogram(600_000_000, 3);

            async Task PosterAsync()
            {
                while (!Volatile.Read(ref stop))
                {
                    var (document, _) = mix[(int)(Interlocked.Increment(ref next) % mix.Count)].Fresh();
                    var started = Stopwatch.GetTimestamp();
                    var ok = false;
                    try
                    {
                        using var content = new ByteArrayContent(document);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                        using var response = await client.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                        ok = (int)response.StatusCode == 202;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                    }
                    var ended = Stopwatch.GetTimestamp();
                    if (started < Volatile.Read(ref windowStart) || ended > Volatile.Read(ref windowEnd))
                    {
                        continue;
                    }
                    if (!ok)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }
                    Interlocked.Increment(ref accepted);
                    lock (latency)
                    {
                        latency.RecordValue(Stopwatch.GetElapsedTime(started, ended).Ticks / 10);
                    }
                }
            }

            var posters = Enumerable.Range(0, concurrency).Select(_ => Task.Run(PosterAsync)).ToArray();
            await As4Driver.Progress("warm-up", warmUp, () => Interlocked.Read(ref next));
            process.Refresh();
            var serverCpu = process.TotalProcessorTime;
            var cpu = CpuSample.Take([], null);
            double rssPeak;
            await using (var rss = new ProcMemory.Sampler(process.Id))
            {
                Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
                await As4Driver.Progress("measure", window, () => Interlocked.Read(ref next));
                Volatile.Write(ref windowEnd, Stopwatch.GetTimestamp());
                rssPeak = rss.Peak;
            }
            process.Refresh();
            var serverUsed = (process.TotalProcessorTime - serverCpu).TotalSeconds;
            var used = CpuSample.Take([], null) - cpu;
            Volatile.Write(ref stop, true);
            await Task.WhenAll(posters);
            var seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
            var result = new IoBoundResult(concurrency, seconds, accepted, failed, LatencySummary.Of(latency), serverUsed / seconds, used.Driver / seconds, used.MachineBusy / seconds, rssPeak);
            Console.WriteLine($"   {result.AcceptedPerSecond:0.0} stored/s ({failed} failed), POST p50 {result.Post.P50:0.0} / p99 {result.Post.P99:0.0} ms; " +
                $"CPU server {result.ServerCores:0.00}, driver {result.DriverCores:0.00}, machine {result.MachineCores:0.00} cores");
            return result;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    private static async Task WaitReadyAsync(HttpClient client, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"IoBaseline exited with {process.ExitCode} at start");
            }
            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("IoBaseline was not ready within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
