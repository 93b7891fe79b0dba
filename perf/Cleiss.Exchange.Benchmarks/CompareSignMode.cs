using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// <c>-- compare-sign [copies] [rounds] [singles]</c>: the hub's sign and verify paths, the raw key
/// operation of the same key, and xmlsec1 (xmlsec 1.2.x, OpenSSL) on the same documents, same keys
/// (written as PEM), same run. xmlsec1 signs a template (the document with an empty ds:Signature of the
/// hub's profile as the SED's last child) and takes many files per process (signed documents go to
/// stdout, drained here), so it is measured with N = copies files per process (start-up amortised) and
/// N = 1 file per process (<c>singles</c> processes); its process start-up (<c>xmlsec1 --version</c>) is
/// measured apart and subtracted for the "N = 1 minus start-up" figure. The hub runs single-threaded in
/// this process over the same files (read from disk per document, as xmlsec1 does), after an untimed
/// pass; the raw key operation runs over the document bytes in memory. Each round runs every
/// measurement back to back (interleaved), the tables give the median of the rounds (ratios: median of
/// the per-round ratios).
/// </summary>
public static class CompareSignMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var copies = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var singles = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        var work = Directory.CreateTempSubdirectory("cleiss-perf-compare-sign-");
        try
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
            Console.WriteLine($"xmlsec1: {Run(["--version"], 0).Output.Trim()}");
            Console.WriteLine($"copies per batch: {copies}, rounds: {rounds} (median reported), xmlsec1 N=1 processes per round: {singles}");

            var rows = new List<string>();
            var startups = new List<string>();
            var breakdown = new List<string>();
            foreach (var algorithm in new[] { "RSA", "P256" })
            {
                var keys = new SignatureWorkload(algorithm);
                var keyFolder = Directory.CreateDirectory(Path.Combine(work.FullName, algorithm));
                var keyPem = Path.Combine(keyFolder.FullName, "key.pem");
                var certPem = Path.Combine(keyFolder.FullName, "cert.pem");
                await File.WriteAllTextAsync(keyPem, keys.Credentials.PrivateKey.ExportPkcs8PrivateKeyPem());
                await File.WriteAllTextAsync(certPem, keys.Certificate.ExportCertificatePem());
                string[] signArgs = ["--sign", "--privkey-pem", $"{keyPem},{certPem}"];
                string[] verifyArgs = ["--verify", "--trusted-pem", certPem];

                foreach (var (label, stored) in new[] { ("5KB", HubWorkload.SmallDocument()), ("50KB", HubWorkload.LargeDocument()) })
                {
                    keys.CheckRoundTrip(stored);
                    var folder = Directory.CreateDirectory(Path.Combine(keyFolder.FullName, label));
                    var storedFiles = await WriteCopies(folder.FullName, "stored", stored, copies);
                    var templateFiles = await WriteCopies(folder.FullName, "template", keys.Template(stored), copies);
                    var signedFiles = await WriteCopies(folder.FullName, "signed", keys.Sign(stored), copies);

                    // Interop before anything is timed: the hub verifies what xmlsec1 signs, xmlsec1 verifies what the hub signs.
                    var bySec = Run([.. signArgs, templateFiles[0]], 0);
                    if (bySec.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"xmlsec1 cannot sign the {label} template: {bySec.Output}");
                    }
                    var interop = keys.VerifyDetail(bySec.Stdout);
                    if (interop != "valid")
                    {
                        throw new InvalidOperationException($"The hub refuses the {label} document signed by xmlsec1 ({algorithm}): {interop}");
                    }
                    var check = Run([.. verifyArgs, signedFiles[0]], 1);
                    if (check.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"xmlsec1 refuses the {label} document signed by the hub ({algorithm}): {check.Output}");
                    }

                    var m = new Dictionary<string, List<double>>();
                    void Add(string key, double value) => (m.TryGetValue(key, out var list) ? list : m[key] = []).Add(value);
                    for (var round = 0; round < rounds; round++)
                    {
                        var hubSign = HubRate(storedFiles, bytes => keys.Sign(bytes).Length > 0);
                        var rawSign = InMemoryRate(copies, () => keys.RawSign(stored).Length > 0);
                        var secSign = XmlsecRate(signArgs, templateFiles, expectedOk: 0, repeat: 1);
                        var secSign1 = XmlsecRate(signArgs, templateFiles[..1], expectedOk: 0, repeat: singles);
                        var startup = XmlsecRate(["--version"], [], expectedOk: 0, repeat: singles, perProcess: true);
                        var hubVerify = HubRate(signedFiles, keys.Verify);
                        var rawSignature = keys.RawSign(stored);
                        var rawVerify = InMemoryRate(copies, () => keys.RawVerify(stored, rawSignature));
                        var secVerify = XmlsecRate(verifyArgs, signedFiles, expectedOk: copies, repeat: 1);
                        var secVerify1 = XmlsecRate(verifyArgs, signedFiles[..1], expectedOk: 1, repeat: singles);
                        Add("hubSign", hubSign);
                        Add("rawSign", rawSign);
                        Add("secSign", secSign);
                        Add("secSign1", secSign1);
                        Add("startupMs", 1000 / startup);
                        Add("hubVerify", hubVerify);
                        Add("rawVerify", rawVerify);
                        Add("secVerify", secVerify);
                        Add("secVerify1", secVerify1);
                        Add("signVsRaw", hubSign / rawSign);
                        Add("signVsSec", hubSign / secSign);
                        Add("signVsSec1", hubSign / secSign1);
                        Add("verifyVsRaw", hubVerify / rawVerify);
                        Add("verifyVsSec", hubVerify / secVerify);
                        Add("verifyVsSec1", hubVerify / secVerify1);
                    }
                    // Where the hub's time goes (in memory, no file reads): best of 3 passes, µs per document.
                    var signed = keys.Sign(stored);
                    var rawSig = keys.RawSign(stored);
                    var parsed = keys.Parse(stored);
                    var tiny = Encoding.UTF8.GetBytes("<r><h/><s>x</s></r>");
                    double Us(Func<bool> op) => Enumerable.Range(0, 3).Max(_ => InMemoryRate(copies, op)) is var best ? 1e6 / best : 0;
                    breakdown.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {algorithm} | {label} | {Us(() => keys.Parse(stored) is not null):F0} | {Us(() => SignatureWorkload.CopyAsSignedXmlDoes(parsed) is not null):F0} | {Us(() => SignatureWorkload.CanonicalDigest(parsed).Length > 0):F0} | {Us(() => parsed.OuterXml.Length > 0):F0} | {Us(() => keys.SignWithoutSerialising(stored).Length > 0):F0} | {Us(() => keys.Sign(stored).Length > 0):F0} | {Us(() => keys.Sign(tiny).Length > 0):F0} | {Us(() => keys.RawSign(stored).Length > 0):F0} | {Us(() => keys.Parse(signed) is not null):F0} | {Us(() => keys.Verify(signed)):F0} | {Us(() => keys.RawVerify(stored, rawSig)):F0} |"));
                    var startupMs = MedianOf(m["startupMs"]);
                    startups.Add(string.Create(CultureInfo.InvariantCulture, $"{algorithm} {label}: {startupMs:F2} ms (rounds {Join(m["startupMs"], "F2")})"));
                    rows.Add(Row(algorithm, label, "sign", m["hubSign"], m["rawSign"], m["secSign"], m["secSign1"], startupMs, m["signVsRaw"], m["signVsSec"], m["signVsSec1"]));
                    rows.Add(Row(algorithm, label, "verify", m["hubVerify"], m["rawVerify"], m["secVerify"], m["secVerify1"], startupMs, m["verifyVsRaw"], m["verifyVsSec"], m["verifyVsSec1"]));
                }
            }

            Console.WriteLine();
            Console.WriteLine("xmlsec1 process start-up (`xmlsec1 --version`, median per process, measured in each round):");
            foreach (var line in startups)
            {
                Console.WriteLine($"- {line}");
            }
            Console.WriteLine();
            Console.WriteLine($"| key | document | op | hub docs/s (1 thread) | raw key docs/s | hub / raw (median) | xmlsec1 N={copies} docs/s | xmlsec1 N=1 docs/s | xmlsec1 N=1 minus start-up docs/s | hub / xmlsec1 N={copies} (median) | hub / xmlsec1 N=1 (median) |");
            Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
            Console.WriteLine();
            Console.WriteLine("Where the hub's time goes (in memory, best of 3 passes, µs per document):");
            Console.WriteLine();
            Console.WriteLine("| key | document | parse stored | OuterXml + re-parse (SignedXml's copy) | exc-C14N + SHA-256 of the tree | OuterXml | parse + sign | parse + sign + serialise (Sign) | Sign of a 19-byte document (fixed cost) | raw sign | parse signed | parse + verify (Verify) | raw verify |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var line in breakdown)
            {
                Console.WriteLine(line);
            }
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Row(string algorithm, string label, string op, List<double> hub, List<double> raw, List<double> batch, List<double> single,
        double startupMs, List<double> vsRaw, List<double> vsBatch, List<double> vsSingle)
    {
        var singleRate = MedianOf(single);
        var perDocMs = 1000 / singleRate - startupMs;
        var withoutStartup = perDocMs > 0 ? (1000 / perDocMs).ToString("N0", CultureInfo.InvariantCulture) : "n/a";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {algorithm} | {label} | {op} | {MedianOf(hub):N0} | {MedianOf(raw):N0} | {MedianOf(vsRaw):F2} ({Join(vsRaw, "F2")}) | {MedianOf(batch):N0} | {singleRate:N0} | {withoutStartup} | **{MedianOf(vsBatch):F2}×** ({Join(vsBatch, "F2")}) | {MedianOf(vsSingle):F1}× |");
    }

    private static string Join(List<double> values, string format) =>
        string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    private static async Task<string[]> WriteCopies(string folder, string name, byte[] bytes, int copies)
    {
        var files = new string[copies];
        for (var i = 0; i < copies; i++)
        {
            files[i] = Path.Combine(folder, $"{name}{i:D4}.xml");
            await File.WriteAllBytesAsync(files[i], bytes);
        }
        return files;
    }

    private static double MedianOf(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>One untimed pass (JIT tiering), then one timed pass over every file (read + the hub path), single-threaded.</summary>
    private static double HubRate(string[] files, Func<byte[], bool> path)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var file in files)
            {
                if (!path(File.ReadAllBytes(file)))
                {
                    throw new InvalidOperationException($"The hub path failed on {file}.");
                }
            }
            watch.Stop();
            if (pass == 1)
            {
                return files.Length / watch.Elapsed.TotalSeconds;
            }
        }
        throw new UnreachableException();
    }

    /// <summary>The raw key operation <paramref name="count"/> times on the document in memory, after as many untimed ones.</summary>
    private static double InMemoryRate(int count, Func<bool> operation)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                if (!operation())
                {
                    throw new InvalidOperationException("The raw key operation failed.");
                }
            }
            watch.Stop();
            if (pass == 1)
            {
                return count / watch.Elapsed.TotalSeconds;
            }
        }
        throw new UnreachableException();
    }

    /// <summary>
    /// Runs xmlsec1 <paramref name="repeat"/> times on the files; documents (or, with <paramref name="perProcess"/>,
    /// processes) per second of wall time. Verification must print OK once per file.
    /// </summary>
    private static double XmlsecRate(string[] options, string[] files, int expectedOk, int repeat, bool perProcess = false)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < repeat; i++)
        {
            var result = Run([.. options, .. files], expectedOk);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"xmlsec1 {options[0]} failed: {result.Output[..Math.Min(500, result.Output.Length)]}");
            }
        }
        watch.Stop();
        return (perProcess ? 1 : files.Length) * repeat / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Runs xmlsec1; a non-zero <paramref name="expectedOk"/> turns a different count of "OK" lines into exit code -1.</summary>
    private static (int ExitCode, string Output, byte[] Stdout) Run(string[] arguments, int expectedOk)
    {
        var start = new ProcessStartInfo("xmlsec1", arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        var text = stderr.GetAwaiter().GetResult();
        var output = stdout.ToArray();
        var exit = process.ExitCode;
        if (expectedOk > 0)
        {
            var ok = text.Split('\n').Count(line => line.Trim() == "OK");
            exit = exit == 0 && ok == expectedOk ? 0 : -1;
        }
        return (exit, text + (output.Length < 2000 ? Encoding.UTF8.GetString(output) : ""), output);
    }
}
