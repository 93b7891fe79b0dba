using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The disk fails while documents are accepted (injected at the store's commit, where SQLite would report
/// SQLITE_IOERR): the API answers 503 and acknowledges nothing that is not durable; once the disk is back the same
/// document is accepted as new (nothing of the failed attempt was kept) and delivered; the process stayed up.
/// </summary>
public sealed class DiskFailureTests : IAsyncLifetime
{
    private readonly HubRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [Fact]
    public async Task A_disk_failure_on_accept_answers_503_keeps_nothing_and_acceptance_resumes_when_the_disk_is_back()
    {
        var store = _rig.Hub.Services.GetRequiredService<SqliteHubStore>();
        var document = HubRig.Fresh("valid/A001-outbound-1.xml");
        var failing = true;
        store.WriteFault = () => Volatile.Read(ref failing);

        var (down, problem) = await _rig.PostAsync(document);
        var (downAgain, _) = await _rig.PostAsync(HubRig.Fresh("valid/P2000-outbound-1.xml"));

        Assert.Equal(503, down);
        Assert.Equal("HUB.STORAGE_UNAVAILABLE", problem["code"]!.GetValue<string>());
        Assert.Equal(503, downAgain);

        Volatile.Write(ref failing, false);
        var (up, accepted) = await _rig.PostAsync(document);

        Assert.Equal(202, up);
        Assert.False(accepted["duplicate"]!.GetValue<bool>()); // nothing of the failed attempt was stored
        var view = await _rig.WaitForAsync(Guid.Parse(accepted["id"]!.GetValue<string>()), "delivered", "failed");
        Assert.Equal("delivered", view.Status);
        Assert.Equal(["accepted", "validated", "routed", "signed", "dispatched", "delivered"], view.Events.Select(e => e.Event));
    }
}
