using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cleiss.Exchange.LoadTests;

/// <summary>The <c>load</c> run's results: markdown (tables, ratios to the bounds, issue 8's targets), JSON (everything), PNG (ScottPlot).</summary>
internal static class LoadReport
{
    private const double TargetShareOfCryptoBound = 0.70;
    private const double TargetDocumentsPerSecond = 500;
    private const double TargetP99Ms = 50;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static (string Markdown, string Json, string Plot) Write(LoadRun run, string folder)
    {
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, run.StartedAt.ToString("yyyyMMdd-HHmmss'Z'", CultureInfo.InvariantCulture));
        var (md, json, png) = (stem + ".md", stem + ".json", stem + ".png");
        File.WriteAllText(json, JsonSerializer.Serialize(new
        {
            run,
            run.CryptoBound,
            run.IoBound,
            levels = run.Levels.Select(l => new { l.Name, l.AcceptedPerSecond, l.DeliveredPerSecond, l.OtherCores, ofCryptoBound = l.DeliveredPerSecond / run.CryptoBound, ofIoBound = l.DeliveredPerSecond / run.IoBound }),
        }, Json));
        File.WriteAllText(md, Markdown(run, Path.GetFileName(png)));
        if (run.Levels.Count > 1)
        {
            Plot(run, png); // nothing to plot against offered load with the maximum rate alone ("max")
        }
        return (md, json, png);
    }

    private static string Markdown(LoadRun run, string plot)
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"# End-to-end load, {run.StartedAt:u} ({run.Minutes:0.0} min)");
        Line($"");
        Line($"`{run.Command}` — {run.Machine}; /proc/loadavg before `{run.LoadBefore}`, after `{run.LoadAfter}`; {run.Runtime}.");
        Line($"");
        Line($"Documents (round-robin): {run.Mix}.");
        Line($"");
        Line($"## Bounds (same run)");
        Line($"");
        Line($"| bound | measured | documents/s |");
        Line($"|---|---|---:|");
        Line($"| crypto: raw RSA-2048 signatures/s on {run.Rsa.Threads} threads with the hub's key ÷ {run.SignaturesPerDocument} signatures per document | {run.Rsa.SignPerSecond:0} signs/s ({run.Rsa.SignPerSecondOneThread:0} on 1 thread; verify {run.Rsa.VerifyPerSecond:0}/s) | **{run.CryptoBound:0}** |");
        Line($"| I/O: IoBaseline (SQLite WAL, synchronous=FULL, 1 transaction per POST), {run.Io.Concurrency} posters | POST p50 {run.Io.Post.P50:0.0} / p99 {run.Io.Post.P99:0.0} ms; CPU server {run.Io.ServerCores:0.00}, driver {run.Io.DriverCores:0.00} cores; {run.Io.Failed} failed | **{run.IoBound:0}** |");
        Line($"");
        Line($"## Hub (one `cleiss run` process, embedded mode) → simulated partner");
        Line($"");
        Line($"| level | accepted/s | delivered/s | ÷ crypto bound | ÷ I/O bound | accept → verified receipt p50 / p95 / p99 / p99.9 ms | send → verified receipt p99 ms | POST p99 ms | 202 → signed / signed → delivered p50 (p99) ms | CPU cores hub / driver+partner / other | hub RSS peak MB | documents measured (undelivered) |");
        Line($"|---|---:|---:|---:|---:|---|---:|---:|---|---|---:|---:|");
        foreach (var l in run.Levels)
        {
            var a = l.AcceptToReceipt;
            Line($"| {l.Name} | {l.AcceptedPerSecond:0.0} | **{l.DeliveredPerSecond:0.0}** | {l.DeliveredPerSecond / run.CryptoBound:0.00} | {l.DeliveredPerSecond / run.IoBound:0.00} | {a.P50:0.0} / {a.P95:0.0} / **{a.P99:0.0}** / {a.P999:0.0} | {l.SendToReceipt.P99:0.0} | {l.AcceptCall.P99:0.0} | {l.AcceptToSigned.P50:0.0} ({l.AcceptToSigned.P99:0.0}) / {l.SignedToReceipt.P50:0.0} ({l.SignedToReceipt.P99:0.0}) | {l.HubCores:0.00} / {l.DriverCores:0.00} / {l.OtherCores:0.00} | {l.HubRssPeakMb:0} | {l.MeasuredDocuments} ({l.Undelivered}) |");
        }
        Line($"");
        var max = run.Max;
        var half = run.Levels.Where(l => !l.IsClosedLoop).MinBy(l => Math.Abs(l.Offered - (max.DeliveredPerSecond / 2)));
        var sustained = max.DeliveredPerSecond;
        Line($"## Targets (issue 8)");
        Line($"");
        Line($"| target | result |");
        Line($"|---|---|");
        Line($"| sustained ≥ {TargetShareOfCryptoBound:0%} of the crypto bound ({TargetShareOfCryptoBound * run.CryptoBound:0} docs/s) | {Verdict(sustained >= TargetShareOfCryptoBound * run.CryptoBound)}: {sustained:0.0} docs/s = {sustained / run.CryptoBound:0.00} of the bound ({sustained / (TargetShareOfCryptoBound * run.CryptoBound):0.00}× the target) |");
        Line($"| never below {TargetDocumentsPerSecond:0} docs/s | {Verdict(sustained >= TargetDocumentsPerSecond)}: {sustained:0.0} docs/s ({sustained / TargetDocumentsPerSecond:0.00}× the target) |");
        if (half is not null)
        {
            Line($"| p99 accept → verified receipt ≤ {TargetP99Ms:0} ms at half the max rate ({max.DeliveredPerSecond / 2:0} docs/s; level run: {half.Offered:0} docs/s) | {Verdict(half.AcceptToReceipt.P99 <= TargetP99Ms)}: p99 {half.AcceptToReceipt.P99:0.0} ms ({half.AcceptToReceipt.P99 / TargetP99Ms:0.00}× the target) |");
        }
        Line($"");
        Line($"![throughput and p99 against offered load]({plot})");
        var problems = run.Levels.SelectMany(l => l.Problems.Select(p => $"{l.Name}: {p}")).ToList();
        if (problems.Count > 0)
        {
            Line($"");
            Line($"## Problems");
            Line($"");
            foreach (var p in problems)
            {
                Line($"- {p}");
            }
        }
        return s.ToString();
    }

    private static string Verdict(bool met) => met ? "**met**" : "**missed**";

    private static void Plot(LoadRun run, string path)
    {
        var open = run.Levels.Where(l => !l.IsClosedLoop).OrderBy(l => l.Offered).ToList();
        double[] offered = [.. open.Select(l => l.Offered)];
        var plot = new ScottPlot.Plot();
        var accepted = plot.Add.Scatter(offered, [.. open.Select(l => l.AcceptedPerSecond)]);
        accepted.LegendText = "accepted/s";
        var delivered = plot.Add.Scatter(offered, [.. open.Select(l => l.DeliveredPerSecond)]);
        delivered.LegendText = "delivered/s";
        var max = run.Max;
        var maxPoint = plot.Add.Scatter(new[] { max.AcceptedPerSecond }, new[] { max.DeliveredPerSecond });
        maxPoint.LegendText = $"max (closed loop, {max.Concurrency} in flight): delivered/s";
        maxPoint.MarkerSize = 12;
        maxPoint.MarkerShape = ScottPlot.MarkerShape.FilledDiamond;
        var p99 = plot.Add.Scatter(offered, [.. open.Select(l => double.IsNaN(l.AcceptToReceipt.P99) ? 0 : l.AcceptToReceipt.P99)]);
        p99.LegendText = "p99 accept → verified receipt (ms, right axis)";
        p99.LinePattern = ScottPlot.LinePattern.Dashed;
        p99.Axes.YAxis = plot.Axes.Right;
        var ideal = plot.Add.Scatter(new[] { 0.0, offered.Max() }, new[] { 0.0, offered.Max() });
        ideal.LegendText = "offered";
        ideal.LinePattern = ScottPlot.LinePattern.Dotted;
        ideal.MarkerSize = 0;
        plot.Title($"Hub end to end, {run.StartedAt:yyyy-MM-dd HH:mm}Z (crypto bound {run.CryptoBound:0}/s, I/O bound {run.IoBound:0}/s)");
        plot.Axes.Bottom.Label.Text = "offered load (documents/s)";
        plot.Axes.Left.Label.Text = "documents/s";
        plot.Axes.Right.Label.Text = "p99 latency (ms)";
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        // Both y axes from zero, room above for the legend.
        var top = open.Select(l => Math.Max(l.AcceptedPerSecond, l.Offered)).Append(max.DeliveredPerSecond).Max();
        var p99Top = open.Select(l => double.IsNaN(l.AcceptToReceipt.P99) ? 0 : l.AcceptToReceipt.P99).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsX(0, Math.Max(offered.Max(), max.AcceptedPerSecond) * 1.05);
        plot.Axes.SetLimitsY(0, top * 1.4, plot.Axes.Left);
        plot.Axes.SetLimitsY(0, Math.Max(p99Top, 1) * 1.4, plot.Axes.Right);
        plot.SavePng(path, 1000, 600);
    }
}
