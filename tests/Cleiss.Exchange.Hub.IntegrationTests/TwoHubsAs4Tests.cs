using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Endpoints;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    [Fact]
    public async Task The_evidence_archive_of_each_side_holds_the_AS4_exchange_the_certificates_and_audit_events_with_checkable_proofs()
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        var view = await _rig.WaitForAsync(id, "delivered", "failed");
        Assert.Equal("delivered", view.Status);
        var archive = Path.Combine(_rig.Root, $"evidence-{id}.zip");

        // The checkpoint job signs within ~200 ms; export (through the command line) until every event has its proof.
        var french = await ExportUntilProvedAsync(() =>
        {
            var (exit, output) = CliTests.Cleiss("evidence", "export", "--id", id.ToString(), "--data", _rig.HubData, "-o", archive);
            Assert.True(exit == 0, output);
            return Task.FromResult(File.ReadAllBytes(archive));
        });
        AssertArchive(french, "payload.xml", "signed.xml", "exchange/sent-message.mime", "exchange/partner-receipt.xml", "validation-report.json", "routing.json", "certificates.json", "audit.json");
        var roles = JsonNode.Parse(Entry(french, "certificates.json"))!.AsArray().Select(c => c!["role"]!.GetValue<string>());
        Assert.Equal(["hub-signing", "partner-receipt"], roles);
        Assert.True(JsonNode.Parse(Entry(french, "validation-report.json"))!["valid"]!.GetValue<bool>());

        // The Belgian hub's archive of the same document, received: the AS4 message as it arrived and the receipt it answered.
        var inbox = await _rig.BelgianApi.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox");
        var received = Assert.Single(inbox!.Items, i => i.CaseId == view.CaseId).Id;
        var exporter = _rig.BelgianServices.GetRequiredService<Storage.Evidence.EvidenceExporter>();
        var belgian = await ExportUntilProvedAsync(async () =>
        {
            using var buffer = new MemoryStream();
            Assert.NotNull(await exporter.ExportAsync(received, buffer, CancellationToken.None));
            return buffer.ToArray();
        });
        AssertArchive(belgian, "payload.xml", "exchange/received-message.mime", "exchange/hub-receipt.xml", "certificates.json", "audit.json");
        Assert.Equal(Entry(french, "exchange/partner-receipt.xml"), Entry(belgian, "exchange/hub-receipt.xml")); // the receipt BE sent is the one FR kept
    }

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private static async Task<byte[]> ExportUntilProvedAsync(Func<Task<byte[]>> export)
    {
        byte[] zip = [];
        for (var i = 0; i < 50; i++)
        {
            zip = await export();
            if (JsonNode.Parse(Entry(zip, "manifest.json"))!["missing"]!.AsArray().Count == 0)
            {
                return zip;
            }
            await Task.Delay(100);
        }
        Assert.Fail("some audit events never got an inclusion proof: " + Encoding.UTF8.GetString(Entry(zip, "manifest.json")));
        return zip;
    }

    /// <summary>The archive holds the files, each with the manifest's SHA-256, and every audit event's proof checks on its own.</summary>
    private static void AssertArchive(byte[] zip, params string[] expected)
    {
        var manifest = JsonNode.Parse(Entry(zip, "manifest.json"))!;
        var files = manifest["files"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["sha256"]!.GetValue<string>());
        foreach (var name in expected)
        {
            Assert.True(files.ContainsKey(name), $"{name} missing from {string.Join(", ", files.Keys)}");
        }
        foreach (var (name, sha) in files)
        {
            Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Entry(zip, name))));
        }
        var audit = JsonNode.Parse(Entry(zip, "audit.json"))!.AsArray();
        Assert.NotEmpty(audit);
        foreach (var entry in audit)
        {
            var proof = entry!["proof"].Deserialize<Storage.Audit.AuditProof>(WebJson)!;
            Assert.Null(Storage.Audit.AuditLedger.Check(proof));
            Assert.Equal(entry["event"]!.GetValue<string>(), proof.Entry.Event);
        }
    }

    private static byte[] Entry(byte[] zip, string name)
    {
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(zip));
        using var stream = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The usual rig (French hub + simulated partner) plus a second hub as BE:AP0001, wired over AS4.</summary>
    public sealed class TwoHubsRig : HubRig
    {
        private WebApplication? _belgium;

        public HttpClient BelgianApi { get; private set; } = null!;

        public IServiceProvider BelgianServices => _belgium!.Services;

        private string BelgianData => Path.Combine(Root, "be-hub");

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "be-hub",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = new Uri(ServerAddress.Of(_belgium!), "/as4").ToString(),
            ["Hub:Audit:CheckpointInterval"] = "00:00:00.200",
            ["Hub:Audit:CheckpointPoll"] = "00:00:00.100",
        };

        public override async Task InitializeAsync()
        {
            _belgium = HubApp.Build(new HubHostSettings
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = BelgianData,
                Configuration = new Dictionary<string, string?>
                {
                    ["Hub:AccessPointId"] = "BE:AP0001",
                    ["Hub:Audit:CheckpointInterval"] = "00:00:00.200",
                    ["Hub:Audit:CheckpointPoll"] = "00:00:00.100",
                    ["Logging:LogLevel:Default"] = "Warning",
                },
            });
            await _belgium.StartAsync();
            BelgianApi = new HttpClient { BaseAddress = ServerAddress.Of(_belgium), Timeout = Patience };
            // The French hub trusts the Belgian hub's key for its receipts (beside the simulated partner's).
            Trust(BelgianData, HubData, "be-hub.pem");
            await base.InitializeAsync();
            // The Belgian hub trusts the French hub's key (business signatures and AS4 signatures).
            Trust(HubData, BelgianData, "fr.pem");
        }

        public override async Task DisposeAsync()
        {
            BelgianApi?.Dispose();
            await StopAsync(_belgium);
            await base.DisposeAsync();
        }
    }
}
