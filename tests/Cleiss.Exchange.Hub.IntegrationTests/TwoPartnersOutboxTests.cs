using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// One partner down never slows the others: with every document in a single stage-log partition, documents for a Dutch
/// access point are delivered while the Belgian one is down and its documents wait in the durable outbox; once it is
/// back they are delivered, each once, and a case keeps its order.
/// </summary>
public sealed class TwoPartnersOutboxTests : IAsyncLifetime
{
    private readonly TwoPartnersRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    private async Task<Guid> PostAsync(byte[] document)
    {
        var (status, body) = await _rig.PostAsync(document);
        Assert.True(status == 202, body.ToJsonString());
        return Guid.Parse(body["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Documents_for_a_healthy_partner_are_delivered_while_another_partner_is_down_and_those_follow_once_it_is_back()
    {
        var endpoint = _rig.Partner.Endpoint;
        await _rig.Partner.DisposeAsync(); // BE:AP0001 down

        var forBelgium = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            forBelgium.Add(await PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml")));
        }
        var forNetherlands = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            forNetherlands.Add(await PostAsync(TwoPartnersRig.ToNetherlands(HubRig.Fresh("valid/A001-outbound-1.xml"))));
        }

        foreach (var id in forNetherlands)
        {
            Assert.Equal("delivered", (await _rig.WaitForAsync(id, "delivered", "failed")).Status);
        }
        foreach (var id in forBelgium)
        {
            var view = (await _rig.GetAsync(id))!;
            Assert.Equal("signed", view.Status); // still waiting in the outbox, not failed, not lost
            Assert.Contains(view.Events, e => e.Event == "retry-scheduled");
        }
        Assert.Equal(3, _rig.Netherlands.Received.Count);

        var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings { Urls = $"http://127.0.0.1:{endpoint.Port}", DataDirectory = _rig.PartnerData }, CancellationToken.None);
        await using (partner)
        {
            foreach (var id in forBelgium)
            {
                Assert.Equal("delivered", (await _rig.WaitForAsync(id, "delivered", "failed")).Status);
            }
            Assert.Equal(3, partner.Received.Count);
            Assert.All(partner.Received, r => Assert.Equal(1, r.Attempts));
        }
    }

    /// <summary>The usual rig, one stage-log partition, and a second partner NL:AP0001 serving NL:SVB00001 (a directory with it added).</summary>
    private sealed class TwoPartnersRig : HubRig
    {
        public SimulatedAccessPoint Netherlands { get; private set; } = null!;

        private string DirectoryFile => Path.Combine(Root, "directory.json");

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Partitions"] = "1",
            ["Hub:Routing:DirectoryFile"] = DirectoryFile,
            ["Hub:Routing:EndpointOverrides:1:AccessPointId"] = "NL:AP0001",
            ["Hub:Routing:EndpointOverrides:1:Url"] = Netherlands.Endpoint.ToString(),
            ["Hub:Dispatch:MaxAttempts"] = "100", // the Belgian documents wait as long as the test needs
        };

        public static byte[] ToNetherlands(byte[] document) =>
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(document).Replace("BE:ONSS00001", "NL:SVB00001", StringComparison.Ordinal));

        public override async Task InitializeAsync()
        {
            var directory = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "schemas", "ir", "directory.json")))!;
            directory["accessPoints"]!.AsArray().Add(new JsonObject { ["id"] = "NL:AP0001", ["country"] = "NL", ["name"] = "Dutch access point (test)", ["endpoint"] = "http://127.0.0.1:1/ap/v1/messages" });
            var belgian = directory["institutions"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == "BE:ONSS00001")!.DeepClone();
            belgian["id"] = "NL:SVB00001";
            belgian["country"] = "NL";
            belgian["name"] = "SVB (test)";
            belgian["accessPoint"] = "NL:AP0001";
            directory["institutions"]!.AsArray().Add(belgian);
            Directory.CreateDirectory(Root);
            await File.WriteAllTextAsync(DirectoryFile, directory.ToJsonString());

            Netherlands = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings
            {
                AccessPointId = "NL:AP0001",
                Urls = "http://127.0.0.1:0",
                DataDirectory = Path.Combine(Root, "nl"),
            }, CancellationToken.None);
            Directory.CreateDirectory(TrustStore.Folder(HubData));
            File.Copy(Netherlands.CertificatePath, Path.Combine(TrustStore.Folder(HubData), "nl.pem"), overwrite: true);
            await base.InitializeAsync();
            Directory.CreateDirectory(Netherlands.TrustFolder);
            File.Copy(SigningKeyStore.CertificatePath(HubData), Path.Combine(Netherlands.TrustFolder, "fr.pem"), overwrite: true);
        }

        public override async Task DisposeAsync()
        {
            await Netherlands.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
