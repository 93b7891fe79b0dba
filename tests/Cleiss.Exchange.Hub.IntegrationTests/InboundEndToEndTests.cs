using System.Text;
using Cleiss.Exchange.Hub.Host.Endpoints;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>Simulated Belgian access point → hub access point (HTTP) → a French institution's inbox, end to end.</summary>
public sealed class InboundEndToEndTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;

    public InboundEndToEndTests(HubRig rig) => _rig = rig;

    /// <summary>Inbound documents that open a case on their own (replies travel in ScenarioEndToEndTests).</summary>
    public static TheoryData<string> Inbound() => ["valid/A001-inbound-1.xml"];

    [Theory]
    [MemberData(nameof(Inbound))]
    public async Task A_signed_document_from_abroad_lands_in_the_receivers_inbox_and_can_be_acknowledged(string sample)
    {
        var result = await _rig.Partner.SendAsync(HubRig.Fresh(sample), CancellationToken.None);

        Assert.Equal(200, result.StatusCode);
        Assert.True(result.ReceiptValid, "The hub's receipt must verify with the hub's registered certificate and match the bytes sent.");
        var id = Guid.Parse(result.ReceiptId!);
        var view = await _rig.WaitForAsync(id, "delivered", "failed");
        Assert.Equal("delivered", view.Status);
        Assert.Equal(["received", "verified", "validated", "routed", "delivered"], view.Events.Select(e => e.Event));
        var verified = view.Events.Single(e => e.Event == "verified").Facts;
        Assert.Equal("BE:AP0001", verified["accessPoint"]);
        Assert.Equal("rsa-sha256", verified["algorithm"]);
        Assert.Equal("pinned self-signed certificate", verified["certificate"]);
        Assert.StartsWith("not applicable", verified["revocation"], StringComparison.Ordinal);

        var inboxUrl = $"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox";
        var inbox = await _rig.Api.GetFromJsonAsync<InboxView>(inboxUrl);
        var entry = Assert.Single(inbox!.Items, i => i.Id == id);
        var payload = await _rig.Api.GetStringAsync(entry.Links.Payload);
        Assert.Contains("Signature", payload, StringComparison.Ordinal);

        using var ack = await _rig.Api.PostAsync(new Uri(entry.Links.Acknowledge, UriKind.Relative), null);
        Assert.Equal(204, (int)ack.StatusCode);
        inbox = await _rig.Api.GetFromJsonAsync<InboxView>(inboxUrl);
        Assert.DoesNotContain(inbox!.Items, i => i.Id == id);
        Assert.Equal("acknowledged", (await _rig.GetAsync(id))!.Events[^1].Event);
    }

    [Fact]
    public async Task A_resent_document_from_abroad_gets_a_receipt_for_the_same_document()
    {
        var body = HubRig.Fresh("valid/A001-inbound-1.xml");
        var first = await _rig.Partner.SendAsync(body, CancellationToken.None);
        var again = await _rig.Partner.SendAsync(body, CancellationToken.None);

        Assert.True(again.ReceiptValid);
        Assert.Equal(first.ReceiptId, again.ReceiptId);
    }

    [Fact]
    public async Task An_unsigned_document_from_abroad_is_refused()
    {
        var (status, problem) = await _rig.PostAsync(HubRig.Fresh("valid/A002-inbound-1.xml"), path: "/ap/v1/messages");
        Assert.Equal(400, status);
        Assert.Equal("VERIFY.SIGNATURE_MISSING", problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_document_altered_after_signing_is_refused()
    {
        var signed = await SignedByPartnerAsync("valid/A001-inbound-1.xml");
        var altered = Encoding.UTF8.GetString(signed).Replace("<sbdh:HeaderVersion>1.0", "<sbdh:HeaderVersion>1.0 ", StringComparison.Ordinal);
        Assert.NotEqual(Encoding.UTF8.GetString(signed), altered);

        var (status, problem) = await _rig.PostAsync(Encoding.UTF8.GetBytes(altered), path: "/ap/v1/messages");

        Assert.Equal(400, status);
        Assert.Equal("VERIFY.SIGNATURE_INVALID", problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_refusal_leaves_one_rejected_audit_event_and_nothing_else()
    {
        var (_, problem) = await _rig.PostAsync(HubRig.Fresh("valid/U002-inbound-1.xml"), path: "/ap/v1/messages");
        var id = Guid.Parse(problem["documentId"]!.GetValue<string>());

        var view = await _rig.GetAsync(id);

        Assert.Equal("rejected", view!.Status);
        var only = Assert.Single(view.Events);
        Assert.Equal("VERIFY.SIGNATURE_MISSING", only.Code);
        Assert.Null(view.SedType); // no document row was stored
    }

    /// <summary>A document as the partner signed it: sent once, then read back from the inbox.</summary>
    private async Task<byte[]> SignedByPartnerAsync(string sample)
    {
        var result = await _rig.Partner.SendAsync(HubRig.Fresh(sample), CancellationToken.None);
        Assert.True(result.ReceiptValid);
        var view = await _rig.WaitForAsync(Guid.Parse(result.ReceiptId!), "delivered");
        var inbox = $"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox/{view.Id}/payload";
        return await _rig.Api.GetByteArrayAsync(inbox);
    }
}
