using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// Two real hubs in this process, each on its own loopback port and temp data folder, wired as
/// tests/Cleiss.Exchange.Hub.IntegrationTests/TwoHubsAs4Tests.cs wires them: the French hub (FR:AP0001) dispatches
/// over AS4 with a P-Mode for BE:AP0001; the Belgian hub (BE:AP0001) receives on /as4; each trusts the other's key.
/// </summary>
internal sealed class TwoHubs : IAsyncDisposable
{
    public const string BelgianAccessPoint = "BE:AP0001";
    public const string PModeId = "be-hub";

    private TwoHubs(string root, WebApplication belgium, WebApplication france)
    {
        Root = root;
        Belgium = belgium;
        France = france;
    }

    public string Root { get; }

    public WebApplication Belgium { get; }

    public WebApplication France { get; }

    public Uri BelgianAs4 => new(ServerAddress.Of(Belgium), "/as4");

    public Uri FrenchApi => ServerAddress.Of(France);

    public string FrenchData => Path.Combine(Root, "fr");

    public string BelgianData => Path.Combine(Root, "be");

    /// <param name="root">A fresh folder for both hubs' data.</param>
    /// <param name="compress">The French hub's P-Mode Compress (used by its own dispatch, the end-to-end run).</param>
    public static async Task<TwoHubs> StartAsync(string root, bool compress)
    {
        var belgianData = Path.Combine(root, "be");
        var frenchData = Path.Combine(root, "fr");
        var belgium = HubApp.Build(new HubHostSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = belgianData,
            Configuration = new Dictionary<string, string?>
            {
                ["Hub:AccessPointId"] = BelgianAccessPoint,
                ["Logging:LogLevel:Default"] = "Warning",
            },
        });
        await belgium.StartAsync();
        // The French hub trusts the Belgian hub's key for its receipts.
        Directory.CreateDirectory(TrustStore.Folder(frenchData));
        File.Copy(SigningKeyStore.CertificatePath(belgianData), Path.Combine(TrustStore.Folder(frenchData), "be-hub.pem"), overwrite: true);
        var france = HubApp.Build(new HubHostSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = frenchData,
            Configuration = new Dictionary<string, string?>
            {
                ["Hub:Dispatch:Transport"] = "as4",
                ["Hub:As4:PModes:0:Id"] = PModeId,
                ["Hub:As4:PModes:0:AccessPointId"] = BelgianAccessPoint,
                ["Hub:As4:PModes:0:Url"] = new Uri(ServerAddress.Of(belgium), "/as4").ToString(),
                ["Hub:As4:PModes:0:Compress"] = compress ? "true" : "false",
                ["Logging:LogLevel:Default"] = "Warning",
            },
        });
        await france.StartAsync();
        // The Belgian hub trusts the French hub's key (business signatures and AS4 signatures).
        Directory.CreateDirectory(TrustStore.Folder(belgianData));
        File.Copy(SigningKeyStore.CertificatePath(frenchData), Path.Combine(TrustStore.Folder(belgianData), "fr.pem"), overwrite: true);
        return new TwoHubs(root, belgium, france);
    }

    public async ValueTask DisposeAsync()
    {
        await France.StopAsync();
        await France.DisposeAsync();
        await Belgium.StopAsync();
        await Belgium.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
