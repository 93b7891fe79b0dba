using Cleiss.Exchange.Hub.Host.Simulation;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>The partner access point is down when a document is accepted, and comes back.</summary>
public sealed class PartnerOutageTests : IAsyncLifetime
{
    private readonly HubRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [Fact]
    public async Task A_document_accepted_while_the_partner_is_down_is_delivered_once_it_is_back()
    {
        var endpoint = _rig.Partner.Endpoint;
        await _rig.Partner.DisposeAsync();

        var (status, answer) = await _rig.PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(answer["id"]!.GetValue<string>());
        await WaitForEventAsync(id, "retry-scheduled");

        var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings
        {
            Urls = $"http://127.0.0.1:{endpoint.Port}",
            DataDirectory = _rig.PartnerData,
        }, CancellationToken.None);
        await using (partner)
        {
            var view = await _rig.WaitForAsync(id, "delivered", "failed");

            Assert.Equal("delivered", view.Status);
            var retry = view.Events.First(e => e.Event == "retry-scheduled");
            Assert.Equal("DISPATCH.UNREACHABLE", retry.Code);
            Assert.Equal("delivered", view.Events[^1].Event);
            Assert.Equal(1, Assert.Single(partner.Received).Attempts);
        }
    }

    [Fact]
    public async Task After_a_restart_the_hub_resumes_accepted_documents_from_its_log_and_delivers_them_once()
    {
        var endpoint = _rig.Partner.Endpoint;
        await _rig.Partner.DisposeAsync();
        var (_, answer) = await _rig.PostAsync(HubRig.Fresh("valid/U001-outbound-1.xml"));
        var id = Guid.Parse(answer["id"]!.GetValue<string>());
        await WaitForEventAsync(id, "retry-scheduled");

        // Stop the hub mid-retry: the stage-log offset is not committed, so the record comes back.
        await _rig.RestartHubAsync(async () =>
        {
            var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings
            {
                Urls = $"http://127.0.0.1:{endpoint.Port}",
                DataDirectory = _rig.PartnerData,
            }, CancellationToken.None);
            _rig.ReplacePartner(partner);
        });

        var view = await _rig.WaitForAsync(id, "delivered", "failed");
        Assert.Equal("delivered", view.Status);
        Assert.Equal(1, Assert.Single(_rig.Partner.Received).Attempts);
        Assert.Single(view.Events, e => e.Event == "signed");
    }

    private async Task WaitForEventAsync(Guid id, string name)
    {
        var deadline = DateTime.UtcNow + HubRig.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if ((await _rig.GetAsync(id))!.Events.Any(e => e.Event == name))
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No '{name}' event for {id}.");
    }
}
