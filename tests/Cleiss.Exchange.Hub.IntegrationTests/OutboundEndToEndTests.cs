using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Host.Endpoints;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>French institution → hub (HTTP API) → simulated Belgian access point (HTTP), end to end.</summary>
public sealed class OutboundEndToEndTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;

    public OutboundEndToEndTests(HubRig rig) => _rig = rig;

    /// <summary>Documents that open a case on their own (replies travel in ScenarioEndToEndTests).</summary>
    public static TheoryData<string> Outbound() =>
    [
        "valid/A001-outbound-1.xml", "valid/H001-outbound-1.xml", "valid/P2000-outbound-1.xml", "valid/U001-outbound-1.xml",
        .. Directory.EnumerateFiles(Path.Combine(HubRig.Samples, "valid", "json"), "*.json").Select(f => "valid/json/" + Path.GetFileName(f)).Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(Outbound))]
    public async Task Every_valid_sample_reaches_the_partner_signed_and_verified_with_a_complete_audit_trail(string sample)
    {
        var isJson = sample.EndsWith(".json", StringComparison.Ordinal);
        var body = isJson ? FreshJson(sample) : HubRig.Fresh(sample);
        var (status, answer) = await _rig.PostAsync(body, isJson ? "application/json" : "application/xml");

        Assert.Equal(202, status);
        Assert.Equal("accepted", answer["status"]!.GetValue<string>());
        var id = Guid.Parse(answer["id"]!.GetValue<string>());
        Assert.Equal($"/api/v1/documents/{id}", answer["links"]!["self"]!.GetValue<string>());

        var view = await _rig.WaitForAsync(id, "delivered", "failed");

        Assert.Equal("delivered", view.Status);
        Assert.Equal(["accepted", "validated", "routed", "signed", "dispatched", "delivered"], view.Events.Select(e => e.Event));
        Assert.Equal(view.Events.Select(e => e.Sequence).Order(), view.Events.Select(e => e.Sequence));
        Assert.StartsWith("cleiss-reference-4.4@", Fact(view, "validated", "pack"), StringComparison.Ordinal);
        Assert.Equal("BE:AP0001", Fact(view, "routed", "accessPoint"));
        Assert.Contains("competent for", Fact(view, "routed", "rule"), StringComparison.Ordinal);
        Assert.Equal(64, Fact(view, "signed", "keyId").Length);
        Assert.NotEmpty(Fact(view, "signed", "digest"));
        Assert.Equal(view.ReceiptId, Fact(view, "delivered", "receiptId"));

        var received = Assert.Single(_rig.Partner.Received, r => r.SedType == view.SedType && r.Receiver == view.Receiver && view.Events[0].Facts["instanceIdentifier"] == r.InstanceIdentifier);
        Assert.True(received.SignatureValid);
        Assert.Equal(1, received.Attempts);
    }

    [Fact]
    public async Task Re_posting_the_same_document_returns_the_same_id_and_never_delivers_twice()
    {
        var body = HubRig.Fresh("valid/U001-outbound-1.xml");
        var (_, first) = await _rig.PostAsync(body);
        var id = first["id"]!.GetValue<string>();
        await _rig.WaitForAsync(Guid.Parse(id), "delivered");

        var (status, again) = await _rig.PostAsync(body);

        Assert.Equal(202, status);
        Assert.Equal(id, again["id"]!.GetValue<string>());
        Assert.True(again["duplicate"]!.GetValue<bool>());
        Assert.Equal("delivered", again["status"]!.GetValue<string>());
        var instance = (await _rig.GetAsync(Guid.Parse(id)))!.Events[0].Facts["instanceIdentifier"];
        Assert.Equal(1, Assert.Single(_rig.Partner.Received, r => r.InstanceIdentifier == instance).Attempts);
    }

    [Fact]
    public async Task The_same_instance_identifier_with_other_content_is_a_conflict()
    {
        var body = HubRig.Fresh("valid/H001-outbound-1.xml");
        var (_, first) = await _rig.PostAsync(body);
        var changed = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(body).Replace("</sbdh:CreationDateAndTime>", "</sbdh:CreationDateAndTime>", StringComparison.Ordinal).Replace("<sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>", "<sbdh:HeaderVersion>1.0</sbdh:HeaderVersion> ", StringComparison.Ordinal));

        var (status, problem) = await _rig.PostAsync(changed);

        Assert.Equal(409, status);
        Assert.Equal("INGEST.DUPLICATE_CONFLICT", problem["code"]!.GetValue<string>());
        Assert.Contains(first["id"]!.GetValue<string>(), problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static string Fact(DocumentView view, string evt, string key) => view.Events.Single(e => e.Event == evt).Facts[key];

    private static byte[] FreshJson(string sample)
    {
        var json = JsonNode.Parse(HubRig.Sample(sample))!;
        json["sbdh"]!["documentIdentification"]!["instanceIdentifier"] = Guid.NewGuid().ToString();
        json["sbdh"]!["businessScope"]!["caseId"] = "JSON-" + Guid.NewGuid().ToString("N");
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
