using Cleiss.Exchange.Hub.Host.Cli;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// <c>cleiss demo --exit-when-done</c>, the README's first command, in process: two hubs (FR:AP0001 and BE:AP0001)
/// exchange every shipped case over AS4 on loopback, the invalid samples are refused with their expected codes,
/// and every document ends where it should (exit code 0), each delivered to the other side's inbox once.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_runs_every_sample_between_two_hubs_over_AS4_and_exits_0()
    {
        using var data = new TempFolder();
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var exit = await new DemoRunner("http://127.0.0.1:0", "http://127.0.0.1:0", data.Path, exitWhenDone: true, output).RunAsync(timeout.Token);

        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("Every sample ended as expected.", text, StringComparison.Ordinal);
        Assert.Contains("by the Belgian hub, delivered over AS4, receipt", text, StringComparison.Ordinal);
        Assert.Contains("by the French hub, delivered over AS4, receipt", text, StringComparison.Ordinal);
        Assert.Contains("received → verified → validated → routed → delivered, acknowledged (204)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<< expected", text, StringComparison.Ordinal);
    }
}
