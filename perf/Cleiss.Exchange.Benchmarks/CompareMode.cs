using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// <c>-- compare [copies] [rounds]</c>: xmllint (libxml2) and the hub on the same files, same schemas,
/// same machine, same run. xmllint takes one schema per process but many files per invocation, so it
/// is measured with N = 1 file per process (start-up included) and N = copies files per process
/// (start-up amortised). The hub runs single-threaded in this process over the same files (read from
/// disk per document, as xmllint does), after a warm-up pass.
/// </summary>
public static class CompareMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var copies = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var root = HubWorkload.RepositoryRoot;
        var schemas = Path.Combine(root, "schemas");
        var work = Directory.CreateTempSubdirectory("cleiss-perf-compare-");
        try
        {
            // xmllint takes one schema: a wrapper imports the SBDH schema and the SED schema (as in XmllintCrossCheckTests).
            var wrapper = Path.Combine(work.FullName, "wrapper.xsd");
            await File.WriteAllTextAsync(wrapper, $"""
                <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cleiss:test:wrapper">
                  <xs:import namespace="http://eessi.dgempl.ec.europa.eu/namespaces/sbdh" schemaLocation="{Path.Combine(schemas, "sbdh", "1.0", "sbdh.xsd")}"/>
                  <xs:import namespace="http://ec.europa.eu/eessi/ns/4_4/U002" schemaLocation="{Path.Combine(schemas, "sed", "4.4", "U002.xsd")}"/>
                </xs:schema>
                """);

            var startup = Stopwatch.StartNew();
            var hub = new HubWorkload();
            startup.Stop();

            Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {CpuModel()}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
            Console.WriteLine($"xmllint: {XmllintVersion()}");
            Console.WriteLine($"hub start-up (PackRegistry: {hub.Packs.Packs.Sum(p => p.SedTypes.Count)} SED schemas + SBDH compiled, code lists, directory): {startup.Elapsed.TotalMilliseconds:F0} ms");
            Console.WriteLine($"copies per batch: {copies}, rounds: {rounds} (median reported)");
            Console.WriteLine();
            Console.WriteLine("| document | bytes | hub docs/s (1 thread) | xmllint N=1 docs/s | xmllint N=" + copies + " docs/s | hub / xmllint N=1 | hub / xmllint N=" + copies + " |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");

            foreach (var (label, bytes) in new[] { ("5KB", HubWorkload.SmallDocument()), ("50KB", HubWorkload.LargeDocument()) })
            {
                var folder = Directory.CreateDirectory(Path.Combine(work.FullName, label));
                var files = new string[copies];
                for (var i = 0; i < copies; i++)
                {
                    files[i] = Path.Combine(folder.FullName, $"d{i:D4}.xml");
                    await File.WriteAllBytesAsync(files[i], bytes);
                }

                // Both validators must accept the document before anything is timed.
                await hub.AcceptOrThrowAsync(bytes);
                var check = RunXmllint(wrapper, files[..1]);
                if (check.ExitCode != 0)
                {
                    throw new InvalidOperationException($"xmllint rejects the {label} document: {check.Output}");
                }

                // Interleaved rounds: each round times the hub and batched xmllint back to back, so machine noise
                // hits both; the ratio reported is the median of the per-round ratios.
                var hubRates = new List<double>();
                var batchRates = new List<double>();
                var ratios = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    var h = HubRate(hub, files);
                    var b = XmllintRate(wrapper, files, repeat: 1);
                    hubRates.Add(h);
                    batchRates.Add(b);
                    ratios.Add(h / b);
                }
                var hubRate = MedianOf(hubRates);
                var batch = MedianOf(batchRates);
                var single = Median(rounds, () => XmllintRate(wrapper, files[..1], repeat: 50));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {label} | {bytes.Length:N0} | {hubRate:N0} | {single:N0} | {batch:N0} | {hubRate / single:F1}× | {MedianOf(ratios):F2}× (rounds {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}) |"));
            }
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static double MedianOf(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>
    /// Three warm-up passes (so tiered JIT has promoted the hot path, as in a running hub) then one timed pass
    /// over every file (read + ingest + validate), single-threaded.
    /// </summary>
    private static double HubRate(HubWorkload hub, string[] files)
    {
        const int warmUpPasses = 3;
        for (var pass = 0; pass <= warmUpPasses; pass++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var file in files)
            {
                var kind = hub.AcceptAsync(File.ReadAllBytes(file)).AsTask().GetAwaiter().GetResult();
                if (kind != StageOutcomeKind.Continue)
                {
                    throw new InvalidOperationException($"The hub did not accept {file}: {kind}.");
                }
            }
            watch.Stop();
            if (pass == warmUpPasses)
            {
                return files.Length / watch.Elapsed.TotalSeconds;
            }
        }
        throw new UnreachableException();
    }

    /// <summary>Runs xmllint <paramref name="repeat"/> times on the files; documents per second of wall time.</summary>
    private static double XmllintRate(string wrapper, string[] files, int repeat)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < repeat; i++)
        {
            var result = RunXmllint(wrapper, files);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"xmllint failed: {result.Output[..Math.Min(500, result.Output.Length)]}");
            }
        }
        watch.Stop();
        return files.Length * repeat / watch.Elapsed.TotalSeconds;
    }

    private static (int ExitCode, string Output) RunXmllint(string wrapper, IEnumerable<string> files)
    {
        var start = new ProcessStartInfo("xmllint", ["--noout", "--nonet", "--schema", wrapper, .. files])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.GetAwaiter().GetResult() + stdout);
    }

    private static double Median(int rounds, Func<double> measure)
    {
        var values = Enumerable.Range(0, rounds).Select(_ => measure()).Order().ToArray();
        return values[values.Length / 2];
    }

    private static string XmllintVersion()
    {
        var start = new ProcessStartInfo("xmllint", ["--version"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var text = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n')[0].Trim();
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
