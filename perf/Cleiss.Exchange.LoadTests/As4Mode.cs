using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cleiss.Exchange.Hub.Trust;
using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// <c>as4 [seconds] [concurrency list] [warm-up seconds] [end-to-end seconds] [results folder] [on,off | off,on]</c>: two hubs on
/// loopback, the AS4 exchange with compression on and off at each concurrency, optionally the end-to-end run, the raw
/// RSA rates with the French hub's key before and after (the bound), and a per-step breakdown. Writes
/// <c>as4-&lt;UTC time&gt;.json</c> and <c>.md</c> to the results folder (default /tmp/cleiss-as4-bench).
/// </summary>
internal static class As4Mode
{
    /// <summary>RSA private-key operations per message: business signature (FR), AS4 signature (FR), receipt signature (BE).</summary>
    public const int SignaturesPerMessage = 3;

    /// <summary>RSA public-key operations (OpenSSL) per message: AS4 signature (BE), business signature (BE), receipt (FR).</summary>
    public const int VerificationsPerMessage = 3;

    /// <summary>Self-signed certificate checks per message (BouncyCastle RSA verify each): /as4 (BE), verify stage (BE), receipt (FR).</summary>
    public const int CertificateChecksPerMessage = 3;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The unreported pass of each variant before the measured configurations (see <see cref="RunAsync"/>).</summary>
    private static readonly TimeSpan WarmUpPass = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Arg(args, 0, 25);
        var concurrencies = (args.Length > 1 ? args[1] : "1,8").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var warmUp = TimeSpan.FromSeconds(Arg(args, 2, 5));
        var endToEnd = Arg(args, 3, 0);
        var results = args.Length > 4 ? args[4] : Path.Combine(Path.GetTempPath(), "cleiss-as4-bench");
        // Which compression variant runs first at each concurrency ("on,off" or "off,on"), to see order effects.
        var variants = (args.Length > 5 ? args[5] : "on,off").Split(',').Select(v => v == "on").ToArray();
        var measure = TimeSpan.FromSeconds(seconds);
        var startedAt = DateTimeOffset.UtcNow;

        Console.WriteLine($"as4 benchmark, {startedAt:u}: nproc {Environment.ProcessorCount}, load {As4Driver.LoadAverage()}, .NET {Environment.Version}, " +
            $"server GC {GCSettings.IsServerGC}, {RuntimeInfo()}");
        var sed = new SedTemplate();
        Console.WriteLine($"SED: {SedTemplate.Sample} with {sed.Entries} career entries, {sed.Bytes} bytes unsigned");

        var root = Path.Combine(Path.GetTempPath(), "cleiss-as4-bench-data", Guid.NewGuid().ToString("N"));
        await using var hubs = await TwoHubs.StartAsync(root, compress: true);
        using var meter = new StageMeter();
        var frKey = hubs.France.Services.GetRequiredService<SigningKeyStore>().Current;
        using var frPublic = frKey.Certificate.GetRSAPublicKey() ?? throw new InvalidOperationException("The French hub's key is not RSA.");
        var rsa = (RSA)frKey.PrivateKey;
        Console.WriteLine($"hubs: FR {hubs.FrenchApi}, BE {hubs.BelgianAs4}; key RSA-{rsa.KeySize}");

        Console.WriteLine("== raw RSA (before)");
        var rawBefore = RawRsa.Measure(rsa, frPublic, TimeSpan.FromSeconds(3));
        Print(rawBefore);

        // One pass of each variant first, not reported: without it the first configuration measured ran on code the
        // JIT had not finished optimising (in the first runs it came out half as fast as the same code a minute later;
        // dotnet-counters showed 2–3.7 s of JIT compilation per 5 s during the first ~40 s of a run on the loaded machine).
        foreach (var compress in variants)
        {
            await As4Driver.RunAsync(hubs, sed, meter, compress, concurrencies.Max(), WarmUpPass, TimeSpan.FromSeconds(2), "warm-up pass (not reported): ");
        }
        var exchanges = new List<ExchangeResult>();
        foreach (var concurrency in concurrencies)
        {
            foreach (var compress in variants)
            {
                exchanges.Add(await As4Driver.RunAsync(hubs, sed, meter, compress, concurrency, warmUp, measure));
            }
        }
        EndToEndResult? e2e = null;
        if (endToEnd > 0)
        {
            e2e = await EndToEnd.RunAsync(hubs, sed, meter, concurrencies.Max(), warmUp, TimeSpan.FromSeconds(endToEnd));
        }

        Console.WriteLine("== raw RSA (after)");
        var rawAfter = RawRsa.Measure(rsa, frPublic, TimeSpan.FromSeconds(3));
        Print(rawAfter);
        Console.WriteLine("== breakdown (one thread, 200 iterations per step)");
        var (steps, bodyCompressed, bodyPlain, signedSed) = await Breakdown.RunAsync(hubs, sed, 200);
        foreach (var step in steps)
        {
            Console.WriteLine($"   {step.Side,-8} {step.MedianMicroseconds,9:0} µs median {step.MeanMicroseconds,9:0} µs mean {step.AllocatedBytes / 1024.0,8:0.0} KB  {step.Name}");
        }

        var report = Markdown(startedAt, sed, rawBefore, rawAfter, exchanges, e2e, steps, bodyCompressed, bodyPlain, signedSed);
        Directory.CreateDirectory(results);
        var stem = Path.Combine(results, $"as4-{startedAt:yyyyMMdd-HHmmss}");
        await File.WriteAllTextAsync(stem + ".md", report);
        await File.WriteAllTextAsync(stem + ".json", Json(startedAt, sed, rawBefore, rawAfter, exchanges, e2e, steps, bodyCompressed, bodyPlain, signedSed));
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"results: {stem}.md / .json; load at the end {As4Driver.LoadAverage()}");
        return exchanges.All(e => e.Failures == 0 && e.Messages > 0) ? 0 : 1;
    }

    /// <summary>The bound from the raw rates: messages/s if the key operations were all the work.</summary>
    public static (double SignaturesOnly, double WithVerifications) Bound(RawRsa.Rates raw) =>
        (raw.SignPerSecond / SignaturesPerMessage, 1 / (SignaturesPerMessage / raw.SignPerSecond + VerificationsPerMessage / raw.VerifyPerSecond));

    private static string Markdown(DateTimeOffset at, SedTemplate sed, RawRsa.Rates before, RawRsa.Rates after, List<ExchangeResult> exchanges, EndToEndResult? e2e,
        List<Step> steps, int bodyCompressed, int bodyPlain, int signedSed)
    {
        var bound = Bound(Min(before, after)).SignaturesOnly;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### AS4 run {at:u} (nproc {Environment.ProcessorCount}, load at the end {As4Driver.LoadAverage()}, server GC {GCSettings.IsServerGC})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"SED {sed.Bytes} B unsigned, {signedSed} B business-signed; AS4 MIME body {bodyCompressed} B compressed, {bodyPlain} B uncompressed.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Raw RSA-{2048} on {before.Threads} threads: sign {before.SignPerSecond:0}/s before, {after.SignPerSecond:0}/s after; verify {before.VerifyPerSecond:0}/s / {after.VerifyPerSecond:0}/s; one thread sign {before.SignPerSecondOneThread:0}/s / {after.SignPerSecondOneThread:0}/s.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Bound = lower raw sign rate / {SignaturesPerMessage} signatures per message = **{bound:0} msgs/s** ({Bound(Min(before, after)).WithVerifications:0} msgs/s counting the {VerificationsPerMessage} RSA verifications too).");
        text.AppendLine();
        text.AppendLine("| configuration | msgs/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | ratio to bound | CPU cores | CPU ms/msg | alloc KB/msg | gen0/1/2 |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var e in exchanges)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {e.Name} | {e.MessagesPerSecond:0.0} | {e.Percentile(50):0.0} | {e.Percentile(99):0.0} | {e.Percentile(99.9):0.0} | {e.LatencyMicroseconds.GetMaxValue() / 1000.0:0.0} | {e.Failures} | {e.MessagesPerSecond / bound:0.00} | {e.CpuCores:0.00} | {e.CpuMsPerMessage:0.00} | {(e.Messages == 0 ? 0 : e.AllocatedBytes / 1024.0 / e.Messages):0} | {e.Gen0}/{e.Gen1}/{e.Gen2} |");
        }
        if (e2e is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| end to end (API → delivered), {e2e.Concurrency} clients | {e2e.DeliveredPerSecond:0.0} delivered/s | | | | | {e2e.Refused} refused, {e2e.Retries} retries | {e2e.DeliveredPerSecond / bound:0.00} | {e2e.CpuCores:0.00} | {(e2e.Delivered == 0 ? 0 : e2e.CpuCores * e2e.Seconds * 1000 / e2e.Delivered):0.00} | | |");
        }
        text.AppendLine();
        text.AppendLine("Hub stage times during each run (mean ms per document, from the hubs' hub.stage.duration; inbound = the Belgian hub under /as4, outbound = the French hub):");
        text.AppendLine();
        var stageNames = exchanges.SelectMany(e => e.Stages.Keys).Concat(e2e?.Stages.Keys.AsEnumerable() ?? []).Distinct().Order(StringComparer.Ordinal).ToList();
        text.AppendLine("| configuration | " + string.Join(" | ", stageNames) + " |");
        text.AppendLine("|---|" + string.Concat(stageNames.Select(_ => "---:|")));
        foreach (var (name, stages) in exchanges.Select(e => (e.Name, e.Stages)).Concat(e2e is null ? [] : [("end to end", e2e.Stages)]))
        {
            text.AppendLine($"| {name} | " + string.Join(" | ", stageNames.Select(s => stages.TryGetValue(s, out var t) ? t.MeanMs.ToString("0.00", CultureInfo.InvariantCulture) : "")) + " |");
        }
        text.AppendLine();
        text.AppendLine("Breakdown (one thread, after the runs, µs per call):");
        text.AppendLine();
        text.AppendLine("| side | step | median µs | mean µs | allocated KB |");
        text.AppendLine("|---|---|---:|---:|---:|");
        foreach (var step in steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {step.Side} | {step.Name} | {step.MedianMicroseconds:0} | {step.MeanMicroseconds:0} | {step.AllocatedBytes / 1024.0:0.0} |");
        }
        return text.ToString();
    }

    private static string Json(DateTimeOffset at, SedTemplate sed, RawRsa.Rates before, RawRsa.Rates after, List<ExchangeResult> exchanges, EndToEndResult? e2e,
        List<Step> steps, int bodyCompressed, int bodyPlain, int signedSed) =>
        JsonSerializer.Serialize(new
        {
            at,
            nproc = Environment.ProcessorCount,
            loadAtEnd = As4Driver.LoadAverage(),
            serverGc = GCSettings.IsServerGC,
            sed = new { sed.Bytes, signedSed, bodyCompressed, bodyPlain, sed.Entries },
            rawRsa = new { before, after },
            signaturesPerMessage = SignaturesPerMessage,
            verificationsPerMessage = VerificationsPerMessage,
            certificateChecksPerMessage = CertificateChecksPerMessage,
            bound = Bound(Min(before, after)),
            exchanges = exchanges.Select(e => new
            {
                e.Name,
                e.Compress,
                e.Concurrency,
                e.Seconds,
                e.Messages,
                e.Failures,
                e.MessagesPerSecond,
                p50Ms = e.Percentile(50),
                p90Ms = e.Percentile(90),
                p99Ms = e.Percentile(99),
                p999Ms = e.Percentile(99.9),
                maxMs = e.LatencyMicroseconds.GetMaxValue() / 1000.0,
                e.CpuCores,
                e.CpuMsPerMessage,
                e.AllocatedBytes,
                e.Gen0,
                e.Gen1,
                e.Gen2,
                stages = e.Stages.ToDictionary(s => s.Key, s => new { s.Value.Count, s.Value.MeanMs }),
                e.Problems,
            }),
            endToEnd = e2e is null ? null : new
            {
                e2e.Concurrency,
                e2e.Seconds,
                e2e.Accepted,
                e2e.Delivered,
                e2e.Refused,
                e2e.Retries,
                e2e.DeliveredPerSecond,
                e2e.CpuCores,
                stages = e2e.Stages.ToDictionary(s => s.Key, s => new { s.Value.Count, s.Value.MeanMs }),
                e2e.Problems,
            },
            steps,
        }, Indented);

    private static RawRsa.Rates Min(RawRsa.Rates a, RawRsa.Rates b) => a.SignPerSecond <= b.SignPerSecond ? a : b;

    private static void Print(RawRsa.Rates raw) =>
        Console.WriteLine($"   {raw.Threads} threads: sign {raw.SignPerSecond:0}/s, verify {raw.VerifyPerSecond:0}/s; one thread: sign {raw.SignPerSecondOneThread:0}/s, verify {raw.VerifyPerSecondOneThread:0}/s");

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}
