using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Samples;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Every shipped case scenario, replayed in order through the real hub: outbound documents through the
/// API to the simulated Belgian access point, inbound ones from it to the French institutions' inboxes.
/// </summary>
public sealed class ScenarioEndToEndTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;

    public ScenarioEndToEndTests(HubRig rig) => _rig = rig;

    public static TheoryData<string> Scenarios() =>
        [.. Directory.EnumerateDirectories(Path.Combine(HubRig.Samples, "cases")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_case_flows_both_ways_with_every_document_delivered_once_and_fully_audited(string name)
    {
        var scenario = SampleScenario.Load(Path.Combine(HubRig.Samples, "cases", name)).Fresh();
        var accepted = new List<(ScenarioDocument Document, Guid Id)>();
        foreach (var document in scenario.Documents)
        {
            Guid id;
            if (document.Direction == Direction.Outbound)
            {
                var (status, answer) = await _rig.PostAsync(document.Bytes);
                Assert.True(status == 202, $"{document.Name}: {answer.ToJsonString()}");
                id = Guid.Parse(answer["id"]!.GetValue<string>());
            }
            else
            {
                var result = await _rig.Partner.SendAsync(document.Bytes, CancellationToken.None);
                Assert.True(result.ReceiptValid, $"{document.Name}: {result.StatusCode} {result.ProblemCode}");
                id = Guid.Parse(result.ReceiptId!);
            }
            accepted.Add((document, id));
        }

        foreach (var (document, id) in accepted)
        {
            var view = await _rig.WaitForAsync(id, "delivered", "failed");
            Assert.Equal("delivered", view.Status);
            var expected = document.Direction == Direction.Outbound
                ? new[] { "accepted", "validated", "routed", "signed", "dispatched", "delivered" }
                : ["received", "verified", "validated", "routed", "delivered"];
            Assert.Equal(expected, view.Events.Select(e => e.Event));
            Assert.Contains(scenario.Name[..scenario.Name.IndexOf('-', StringComparison.Ordinal)], view.Events.Single(e => e.Event == "validated").Facts["case"], StringComparison.Ordinal);
            var instance = SampleScenario.Header(document.Bytes).InstanceIdentifier;
            if (document.Direction == Direction.Outbound)
            {
                var received = Assert.Single(_rig.Partner.Received, r => r.InstanceIdentifier == instance);
                Assert.True(received.SignatureValid);
                Assert.Equal(1, received.Attempts);
            }
            else
            {
                var inbox = await _rig.Api.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox?limit=1000");
                Assert.Contains(inbox!.Items, i => i.Id == id);
            }
        }
    }

    [Fact]
    public async Task The_case_state_shows_the_flow_and_its_administrative_effects()
    {
        var scenario = SampleScenario.Load(Path.Combine(HubRig.Samples, "cases", "P_BUC_01-close-and-reopen")).Fresh();
        foreach (var document in scenario.Documents)
        {
            var ok = document.Direction == Direction.Outbound
                ? (await _rig.PostAsync(document.Bytes)).Status == 202
                : (await _rig.Partner.SendAsync(document.Bytes, CancellationToken.None)).ReceiptValid;
            Assert.True(ok, document.Name);
        }
        var caseId = SampleScenario.Header(scenario.Documents[0].Bytes).CaseId;

        var state = System.Text.Json.Nodes.JsonNode.Parse(await _rig.Api.GetStringAsync(new Uri($"/api/v1/cases/{Uri.EscapeDataString(caseId)}", UriKind.Relative)))!;

        Assert.Equal("P_BUC_01", state["buc"]!.GetValue<string>());
        Assert.Equal("4.4", state["version"]!.GetValue<string>());
        Assert.Equal("open", state["status"]!.GetValue<string>()); // closed by X001, reopened by X004
        Assert.Equal(scenario.Documents.Count, state["documents"]!.AsObject().Count);
        Assert.Equal(scenario.Documents.Count, state["revision"]!.GetValue<int>());
        using var unknown = await _rig.Api.GetAsync(new Uri("/api/v1/cases/NO-SUCH-CASE", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_reply_whose_parent_never_arrived_is_refused_with_its_case_rule()
    {
        var scenario = SampleScenario.Load(Path.Combine(HubRig.Samples, "cases", "LA_BUC_01-exception-accepted")).Fresh();
        var reply = scenario.Documents[1];

        // The reply alone: its case does not exist, and a reply cannot open one.
        var result = await _rig.Partner.SendAsync(reply.Bytes, CancellationToken.None);

        Assert.Equal(422, result.StatusCode);
        Assert.Equal(ExchangeErrors.ValidateCaseViolation, result.ProblemCode);
    }
}
