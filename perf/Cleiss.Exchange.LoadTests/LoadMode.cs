using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.LoadTests;

/// <summary>Everything one <c>load</c> run measured, with the bounds it is compared with.</summary>
internal sealed record LoadRun(
    DateTimeOffset StartedAt, double Minutes, string Command, string Machine, string LoadBefore, string LoadAfter, string Runtime, string Mix,
    RawRsa.Rates Rsa, int SignaturesPerDocument, IoBoundResult Io, IReadOnlyList<LevelResult> Levels)
{
    /// <summary>Documents/s if RSA private-key operations were all the work: raw signatures/s on all cores / signatures per document.</summary>
    public double CryptoBound => Rsa.SignPerSecond / SignaturesPerDocument;

    public double IoBound => Io.AcceptedPerSecond;

    public LevelResult Max => Levels.First(l => l.IsClosedLoop);
}

/// <summary>
/// <c>load [rates = 25,50,100,200] [seconds = 15] [warm-up seconds = 4] [max in flight = 64] [results folder = perf/results]</c>:
/// issue 8's end-to-end load. One hub, a `cleiss run` process in embedded mode (SQLite, fsync on, RSA-2048), delivering over
/// HTTP to the simulated partner in this process, which verifies the hub's signature and answers a signed receipt that the
/// hub verifies. In one run: the I/O bound (IoBaseline at max rate), a warm-up pass, the hub at its maximum rate (closed
/// loop), at each fixed offered rate and at half the maximum (open loop), then the crypto bound with the hub's own key.
/// Writes <c>&lt;UTC&gt;.md</c>, <c>.json</c> and <c>.png</c> to the results folder. perf/README.md, "End-to-end load (issue 8)".
/// </summary>
internal static class LoadMode
{
    /// <summary>
    /// RSA private-key operations per delivered document, read from the code: the hub's sign stage (SigningStage →
    /// BusinessSignature.SignBytes, 1) and the partner's receipt (SimulatedAccessPoint.ReceiveAsync → DeliveryReceipt.Create, 1).
    /// Public-key operations (cheap next to them): the partner verifies the document, the hub verifies the receipt.
    /// </summary>
    public const int SignaturesPerDocument = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        // "max" measures the maximum rate alone (no open-loop levels): the quick loop when trying a change.
        var maxOnly = args.Length > 0 && args[0] == "max";
        var rates = maxOnly ? [] : (args.Length > 0 ? args[0] : "25,50,100,200").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var window = TimeSpan.FromSeconds(Arg(args, 1, 15));
        var warmUp = TimeSpan.FromSeconds(Arg(args, 2, 4));
        var inFlight = Arg(args, 3, 64);
        var resultsFolder = args.Length > 4 ? args[4] : Path.Combine(SedTemplate.RepositoryRoot, "perf", "results");
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadBefore = ReadLoad();
        var runtime = $".NET {Environment.Version}, server GC {GCSettings.IsServerGC}";
        Console.WriteLine($"load benchmark, {startedAt:u}: {Machine()}; /proc/loadavg {loadBefore}; {runtime}");
        var mix = LoadMix.Create();
        var mixText = LoadMix.Describe(mix);
        Console.WriteLine($"SEDs: {mixText}");

        var root = Path.Combine(Path.GetTempPath(), "cleiss-load-bench", startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        var io = await IoBound.RunAsync(mix, 16, warmUp, window, Path.Combine(root, "io"));

        var levels = new List<LevelResult>();
        var hubData = Path.Combine(root, "hub");
        await using (var partner = await SimulatedAccessPoint.StartAsync(
            new SimulatedAccessPointSettings { Urls = "http://127.0.0.1:0", DataDirectory = Path.Combine(root, "partner") }, CancellationToken.None))
        {
            Directory.CreateDirectory(TrustStore.Folder(hubData));
            File.Copy(partner.CertificatePath, Path.Combine(TrustStore.Folder(hubData), "be.pem"), overwrite: true);
            using var hub = HubNode.Start(hubData, new Dictionary<string, string?>
            {
                ["Hub:Mode"] = "embedded",
                ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
                ["Hub:Routing:EndpointOverrides:0:Url"] = partner.Endpoint.ToString(),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            await hub.WaitReadyAsync(TimeSpan.FromSeconds(60));
            Directory.CreateDirectory(partner.TrustFolder);
            File.Copy(SigningKeyStore.CertificatePath(hubData), Path.Combine(partner.TrustFolder, "fr.pem"), overwrite: true);
            Console.WriteLine($"hub: pid {hub.ProcessId} {hub.Api} (embedded); partner {partner.Endpoint}; RSS at start {ProcMemory.Read(hub.ProcessId).RssMb:0} MB");

            // Not reported: the first seconds run on code the JIT has not optimised yet (see the AS4 section of perf/README.md).
            await HubLoad.RunClosedAsync(hub, partner, mix, inFlight, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8), "warm-up pass (not reported)");
            // The fixed rates first, so the maximum is measured on a hub that has run for minutes (the tiering JIT took
            // 17% of its CPU 20–30 s after start), then half of that maximum.
            var open = new List<LevelResult>();
            foreach (var rate in rates.Order())
            {
                open.Add(await HubLoad.RunOpenAsync(hub, partner, mix, rate, warmUp, window));
            }
            var max = await HubLoad.RunClosedAsync(hub, partner, mix, inFlight, warmUp, window);
            var half = Math.Max(5, Math.Round(max.DeliveredPerSecond / 2 / 5) * 5);
            if (!maxOnly && !rates.Contains(half))
            {
                open.Add(await HubLoad.RunOpenAsync(hub, partner, mix, half, warmUp, window));
            }
            levels.Add(max);
            levels.AddRange(open.OrderBy(l => l.Offered));
            Console.WriteLine($"hub RSS peak over the whole run (VmHWM) {ProcMemory.Read(hub.ProcessId).PeakMb:0} MB");
        }

        var key = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = hubData }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
        Console.WriteLine($"== crypto bound: raw RSA-{((RSA)key.PrivateKey).KeySize} with the hub's key, {Environment.ProcessorCount} threads; load {As4Driver.LoadAverage()}");
        using var publicKey = key.Certificate.GetRSAPublicKey() ?? throw new InvalidOperationException("The hub's key is not RSA.");
        var rsa = RawRsa.Measure((RSA)key.PrivateKey, publicKey, TimeSpan.FromSeconds(2));
        Console.WriteLine($"   sign {rsa.SignPerSecond:0}/s on {rsa.Threads} threads ({rsa.SignPerSecondOneThread:0}/s on one), verify {rsa.VerifyPerSecond:0}/s; " +
            $"bound {rsa.SignPerSecond / SignaturesPerDocument:0} documents/s at {SignaturesPerDocument} signatures per document");
        TryDelete(root);

        var run = new LoadRun(startedAt, clock.Elapsed.TotalMinutes, "load " + string.Join(' ', args.Select(a => a.Replace(SedTemplate.RepositoryRoot + Path.DirectorySeparatorChar, "", StringComparison.Ordinal))), Machine(), loadBefore, ReadLoad(), runtime, mixText,
            rsa, SignaturesPerDocument, io, levels);
        var written = LoadReport.Write(run, resultsFolder);
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(written.Markdown));
        Console.WriteLine($"written: {written.Markdown}, {written.Json}, {written.Plot}");
        return levels.All(l => l.AcceptedPerSecond > 0 && l.DeliveredInWindow > 0) ? 0 : 1;
    }

    private static string ReadLoad() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    private static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        return $"nproc {Environment.ProcessorCount}, {model}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0} GB";
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

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}
