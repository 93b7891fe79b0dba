using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Pipeline;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The dead-letter queue on a running hub: documents that failed while the partner was down are listed and grouped by
/// cause; once it is back, one is replayed through `cleiss dlq replay` and a whole cause through the API, each delivered
/// once; another is discarded with a reason and can then be neither replayed nor discarded again. Every action is audited.
/// </summary>
public sealed class DeadLetterTests : IAsyncLifetime
{
    private sealed class OneAttempt : HubRig
    {
        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?> { ["Hub:Dispatch:MaxAttempts"] = "1" };
    }

    private readonly OneAttempt _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    private async Task<Guid> FailedAsync(string sample)
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh(sample));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        Assert.Equal("failed", (await _rig.WaitForAsync(id, "failed", "delivered")).Status);
        return id;
    }

    [Fact]
    public async Task Dead_letters_are_grouped_by_cause_replayed_once_the_partner_is_back_or_discarded_with_a_reason()
    {
        var endpoint = _rig.Partner.Endpoint;
        await _rig.Partner.DisposeAsync();
        var first = await FailedAsync("valid/P2000-outbound-1.xml");
        var second = await FailedAsync("valid/P2000-outbound-1.xml");
        var third = await FailedAsync("valid/A001-outbound-1.xml");
        var hub = ServerAddress.Of(_rig.Hub).ToString();

        var letters = (await _rig.Api.GetFromJsonAsync<DeadLetterList>("/api/v1/dead-letters"))!;
        Assert.Equal([first, second, third], letters.Items.Select(i => i.DocumentId));
        var group = Assert.Single(letters.Groups, g => g.SedType == "P2000");
        Assert.Equal(("DISPATCH.UNREACHABLE", "BE:AP0001", 2), (group.Code, group.AccessPointId, group.Count));
        var listed = CliTests.Cleiss("dlq", "list", "--hub", hub);
        Assert.True(listed.Exit == 0, listed.Output);
        Assert.Contains("3 dead letter(s) in 2 group(s)", listed.Output, StringComparison.Ordinal);

        var discarded = CliTests.Cleiss("dlq", "discard", third.ToString(), "--reason", "sent by mistake, confirmed with CNAV", "--hub", hub);
        Assert.True(discarded.Exit == 0, discarded.Output);
        Assert.Equal(1, CliTests.Cleiss("dlq", "replay", third.ToString(), "--hub", hub).Exit); // not failed any more: 409
        var discardedView = (await _rig.GetAsync(third))!;
        Assert.Equal("discarded", discardedView.Status);
        Assert.Equal(("open-api", "sent by mistake, confirmed with CNAV"), (discardedView.Events[^1].Facts["operator"], discardedView.Events[^1].Facts["reason"]));

        var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings { Urls = $"http://127.0.0.1:{endpoint.Port}", DataDirectory = _rig.PartnerData }, CancellationToken.None);
        await using (partner)
        {
            var replayed = CliTests.Cleiss("dlq", "replay", first.ToString(), "--hub", hub);
            Assert.True(replayed.Exit == 0, replayed.Output);
            Assert.Equal("delivered", (await _rig.WaitForAsync(first, "delivered", "failed")).Status);

            using var response = await _rig.Api.PostAsync("/api/v1/dead-letters/replay?code=DISPATCH.UNREACHABLE&accessPoint=BE:AP0001&sedType=P2000", null);
            var results = (await response.Content.ReadFromJsonAsync<List<ReplayResult>>())!;
            Assert.Equal([(second, "replayed")], results.Select(r => (r.DocumentId, r.Outcome)));
            var view = await _rig.WaitForAsync(second, "delivered", "failed");

            Assert.Equal("delivered", view.Status);
            Assert.Equal(["accepted", "validated", "routed", "signed", "failed", "replayed", "dispatched", "delivered"], view.Events.Select(e => e.Event));
            Assert.Equal(2, partner.Received.Count);
            Assert.All(partner.Received, r => Assert.Equal(1, r.Attempts));
        }
        Assert.Empty((await _rig.Api.GetFromJsonAsync<DeadLetterList>("/api/v1/dead-letters"))!.Items);
    }
}
