using Cleiss.Exchange.Hub.Host;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>AS4 P-Modes are configuration data checked when the hub starts: a bad one stops the boot and says why.</summary>
public sealed class As4PModeStartupTests
{
    private static async Task<Exception?> StartAsync(Dictionary<string, string?> configuration)
    {
        using var temp = new TempFolder();
        var app = HubApp.Build(new HubHostSettings { Urls = "http://127.0.0.1:0", DataDirectory = temp.Path, Configuration = configuration });
        try
        {
            var failure = await Record.ExceptionAsync(() => app.StartAsync());
            if (failure is null)
            {
                await app.StopAsync();
            }
            return failure;
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_valid_P_Mode_lets_the_hub_start_and_a_bad_one_stops_it_naming_the_field()
    {
        var good = await StartAsync(new()
        {
            ["Hub:As4:PModes:0:Id"] = "eessi-push-be",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = "https://ap.example.be/as4",
        });
        var bad = await StartAsync(new()
        {
            ["Hub:As4:PModes:0:Id"] = "eessi-push-be",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = "http://ap.example.be/as4",
        });

        Assert.Null(good);
        var validation = Assert.IsType<OptionsValidationException>(bad);
        Assert.Contains("Hub:As4:PModes:0 (eessi-push-be): Url must be an absolute https URL", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_pull_stops_the_boot_naming_the_pull_and_the_field()
    {
        var bad = await StartAsync(new()
        {
            ["Hub:As4:Pulls:0:Url"] = "https://fr.example/as4",
            ["Hub:As4:Pulls:0:Mpc"] = "urn:cleiss:mpc:fr-to-be",
            ["Hub:As4:Pulls:0:AccessPointId"] = "FR:AP0001",
            ["Hub:As4:Pulls:0:Interval"] = "2.00:00:00",
        });

        var validation = Assert.IsType<OptionsValidationException>(bad);
        Assert.Contains("Hub:As4:Pulls:0: Interval must be between 100 ms and 24 h", validation.Message, StringComparison.Ordinal);
    }
}
