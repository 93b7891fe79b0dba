using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Cli;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The real hub (Kestrel on a free loopback port, SQLite in a fresh folder) and a simulated Belgian
/// access point (also real HTTP on loopback), with each other's certificates registered.
/// </summary>
public class HubRig : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "cleiss-it", Guid.NewGuid().ToString("N"));

    public string HubData => Path.Combine(Root, "hub");

    public string PartnerData => Path.Combine(Root, "partner");

    public SimulatedAccessPoint Partner { get; private set; } = null!;

    public WebApplication Hub { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Samples => Path.Combine(RepositoryRoot, "schemas", "samples");

    public virtual async Task InitializeAsync()
    {
        Partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings { Urls = "http://127.0.0.1:0", DataDirectory = PartnerData }, CancellationToken.None);
        Directory.CreateDirectory(TrustStore.Folder(HubData));
        File.Copy(Partner.CertificatePath, Path.Combine(TrustStore.Folder(HubData), "be.pem"));
        if (StartsHub)
        {
            await StartHubAsync(Partner.Endpoint);
        }
    }

    /// <summary>Whether the rig starts its hub in this process (a rig for hub processes does not).</summary>
    protected virtual bool StartsHub => true;

    /// <summary>Configuration a derived rig adds (e.g. API clients).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraConfiguration { get; } = new Dictionary<string, string?>();

    protected async Task StartHubAsync(Uri partnerEndpoint)
    {
        Hub = HubApp.Build(new HubHostSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = HubData,
            Configuration = new Dictionary<string, string?>
            {
                ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
                ["Hub:Routing:EndpointOverrides:0:Url"] = partnerEndpoint.ToString(),
                ["Hub:Dispatch:InitialBackoff"] = "00:00:00.200",
                ["Hub:Dispatch:MaxBackoff"] = "00:00:01",
                ["Hub:Dispatch:MaxAttempts"] = "8",
                ["Hub:Dispatch:BreakerBreakDuration"] = "00:00:01", // a partner down in a test is back within seconds
                ["Hub:Dispatch:Timeout"] = "00:00:05",
                ["Hub:Intake:MaxDocumentBytes"] = "262144",
                ["Logging:LogLevel:Default"] = "Warning",
            }.Concat(ExtraConfiguration).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value), // extras override
        });
        await Hub.StartAsync();
        Api = new HttpClient { BaseAddress = ServerAddress.Of(Hub), Timeout = Patience };
        Directory.CreateDirectory(Partner.TrustFolder);
        File.Copy(SigningKeyStore.CertificatePath(HubData), Path.Combine(Partner.TrustFolder, "fr.pem"), overwrite: true);
        Partner.HubEndpoint = new Uri(ServerAddress.Of(Hub), "/ap/v1/messages");
    }

    /// <summary>Stops the hub, runs <paramref name="whileDown"/>, and starts it again on the same data folder.</summary>
    public async Task RestartHubAsync(Func<Task> whileDown)
    {
        Api.Dispose();
        await Hub.StopAsync();
        await Hub.DisposeAsync();
        await whileDown();
        await StartHubAsync(Partner.Endpoint);
    }

    /// <summary>Uses another partner instance (e.g. restarted on the same port and data).</summary>
    public void ReplacePartner(SimulatedAccessPoint partner) => Partner = partner;

    public virtual async Task DisposeAsync()
    {
        if (StartsHub)
        {
            Api.Dispose();
            await StopAsync(Hub);
        }
        await Partner.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Registers the signing certificate of the hub (or access point) with data folder <paramref name="from"/> in the trust store of data folder <paramref name="to"/>.</summary>
    public static void Trust(string from, string to, string name)
    {
        Directory.CreateDirectory(TrustStore.Folder(to));
        File.Copy(SigningKeyStore.CertificatePath(from), Path.Combine(TrustStore.Folder(to), name), overwrite: true);
    }

    /// <summary>Stops and disposes a second hub started by a rig, if it was started.</summary>
    public static async Task StopAsync(WebApplication? hub)
    {
        if (hub is not null)
        {
            await hub.StopAsync();
            await hub.DisposeAsync();
        }
    }

    public static byte[] Sample(string relative) => File.ReadAllBytes(Path.Combine(Samples, relative));

    /// <summary>A sample with a fresh InstanceIdentifier, so tests do not see each other's documents as re-sends.</summary>
    public static byte[] Fresh(string relative) => DemoRunner.FreshXml(Sample(relative));

    public async Task<(int Status, JsonNode Body)> PostAsync(byte[] body, string mediaType = "application/xml", string path = "/api/v1/documents")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        using var response = await Api.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!);
    }

    public Task<DocumentView?> GetAsync(Guid id) => Api.GetFromJsonAsync<DocumentView>($"/api/v1/documents/{id}");

    /// <summary>Polls until the document reaches one of the statuses (bounded by <see cref="Patience"/>).</summary>
    public async Task<DocumentView> WaitForAsync(Guid id, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + Patience;
        DocumentView? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await GetAsync(id);
            if (view is not null && statuses.Contains(view.Status))
            {
                return view;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Document {id} stayed '{view?.Status}' ({string.Join(", ", view?.Events.Select(e => e.Event) ?? [])}) instead of {string.Join("/", statuses)}.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cleiss.Exchange.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cleiss.Exchange.sln not found above the test binaries.");
    }
}
