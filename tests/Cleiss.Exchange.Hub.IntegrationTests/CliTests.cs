using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>The `cleiss` command line, run as a real process.</summary>
public sealed class CliTests
{
    private static (int Exit, string Output) Cleiss(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "cleiss did not finish within 60 s");
        return (process.ExitCode, output.Result + error.Result);
    }

    [Fact]
    public void Validate_exits_0_for_a_valid_document()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "valid", "P2000-outbound-1.xml"));
        Assert.Equal(0, exit);
        Assert.Contains("valid P2000", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_exits_1_and_prints_a_json_report_for_an_invalid_document()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "invalid", "U001-schema-bad-date.xml"), "--format", "json");
        Assert.Equal(1, exit);
        var report = JsonNode.Parse(output)!;
        Assert.False(report["valid"]!.GetValue<bool>());
        Assert.Equal("VALIDATE.SCHEMA_INVALID", report["code"]!.GetValue<string>());
        Assert.NotEmpty(report["findings"]!.AsArray());
    }

    [Fact]
    public void Validate_accepts_a_json_envelope()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "valid", "json", "H001-outbound-1.json"));
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Validate_exits_2_when_the_file_cannot_be_read()
    {
        var (exit, _) = Cleiss("validate", Path.Combine(HubRig.Samples, "no-such-file.xml"));
        Assert.Equal(2, exit);
    }

    [Fact]
    public void Validate_exits_2_on_a_usage_error()
    {
        var (exit, _) = Cleiss("validate");
        Assert.Equal(2, exit);
    }
}
