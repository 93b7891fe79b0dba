using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Two hubs over AS4 on loopback: the French hub (AS4 dispatch, a P-Mode for BE:AP0001) sends to a second hub
/// configured as the Belgian liaison body (access point BE:AP0001), which receives on /as4, verifies, delivers to
/// the Belgian institution's inbox and answers a signed receipt; the French hub records proof of delivery.
/// </summary>
public sealed class TwoHubsAs4Tests : IClassFixture<TwoHubsAs4Tests.TwoHubsRig>
{
    private readonly TwoHubsRig _rig;

    public TwoHubsAs4Tests(TwoHubsRig rig) => _rig = rig;

    [Fact]
    public async Task An_outbound_document_travels_over_AS4_to_the_Belgian_hub_and_comes_back_as_proof_of_delivery()
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());

        var view = await _rig.WaitForAsync(id, "delivered", "failed");

        Assert.True(view.Status == "delivered", string.Join(" | ", view.Events.Select(e => $"{e.Event} {e.Code} {string.Join(",", e.Facts.Select(f => f.Key + "=" + f.Value))}")));
        var delivered = view.Events.Single(e => e.Event == "delivered").Facts;
        Assert.Equal("be-hub", delivered["pmode"]);
        Assert.EndsWith("@fr.ap0001.eessi", delivered["as4MessageId"], StringComparison.Ordinal);
        Assert.Equal("BE:AP0001", delivered["receiptIssuer"]);
        var inbox = await _rig.BelgianApi.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox");
        var entry = Assert.Single(inbox!.Items, i => i.CaseId == view.CaseId);
        Assert.Equal("FR:CLEISS0002", entry.Sender);
    }

    /// <summary>The usual rig (French hub + simulated partner) plus a second hub as BE:AP0001, wired over AS4.</summary>
    public sealed class TwoHubsRig : HubRig
    {
        private WebApplication? _belgium;

        public HttpClient BelgianApi { get; private set; } = null!;

        private string BelgianData => Path.Combine(Root, "be-hub");

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "be-hub",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = new Uri(ServerAddress.Of(_belgium!), "/as4").ToString(),
        };

        public override async Task InitializeAsync()
        {
            _belgium = HubApp.Build(new HubHostSettings
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = BelgianData,
                Configuration = new Dictionary<string, string?> { ["Hub:AccessPointId"] = "BE:AP0001", ["Logging:LogLevel:Default"] = "Warning" },
            });
            await _belgium.StartAsync();
            BelgianApi = new HttpClient { BaseAddress = ServerAddress.Of(_belgium), Timeout = Patience };
            // The French hub trusts the Belgian hub's key for its receipts (beside the simulated partner's).
            Directory.CreateDirectory(TrustStore.Folder(HubData));
            File.Copy(SigningKeyStore.CertificatePath(BelgianData), Path.Combine(TrustStore.Folder(HubData), "be-hub.pem"), overwrite: true);
            await base.InitializeAsync();
            // The Belgian hub trusts the French hub's key (business signatures and AS4 signatures).
            Directory.CreateDirectory(TrustStore.Folder(BelgianData));
            File.Copy(SigningKeyStore.CertificatePath(HubData), Path.Combine(TrustStore.Folder(BelgianData), "fr.pem"), overwrite: true);
        }

        public override async Task DisposeAsync()
        {
            BelgianApi?.Dispose();
            if (_belgium is not null)
            {
                await _belgium.StopAsync();
                await _belgium.DisposeAsync();
            }
            await base.DisposeAsync();
        }
    }
}
