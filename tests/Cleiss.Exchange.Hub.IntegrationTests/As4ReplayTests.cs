using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// HOSTILE-INPUTS S19 at /as4: an exact replay of an accepted message (same eb:MessageId, same bytes) is answered with
/// a receipt again and delivers nothing twice, also after the hub restarts (the MessageId store is on disk). Own rig:
/// the test restarts the hub.
/// </summary>
public sealed class As4ReplayTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;
    private readonly As4HostileSender _sender;

    public As4ReplayTests(HubRig rig)
    {
        _rig = rig;
        _sender = new As4HostileSender(rig);
    }

    private async Task<int> InboxCountAsync(As4HostileSender.Draft draft)
    {
        var inbox = await _rig.Api.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(draft.Receiver)}/inbox");
        return inbox!.Items.Count(i => i.CaseId == draft.CaseId);
    }

    [Fact]
    public async Task S19_an_exact_replay_gets_a_receipt_again_and_delivers_nothing_twice_also_after_a_hub_restart()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);
        var message = As4HostileSender.Mime(envelope, sed);
        var signedReferences = WsSecuritySignerReferences(envelope);

        var first = await _sender.PostAsync(message);
        var registered = await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId, CancellationToken.None);
        Assert.Equal(200, first.Status);
        Assert.NotNull(registered);
        Assert.Equal("delivered", (await _rig.WaitForAsync(registered.Value.DocumentId, "delivered", "failed")).Status);

        var replay = await _sender.PostAsync(message);
        await _rig.RestartHubAsync(() => Task.CompletedTask);
        var afterRestart = await _sender.PostAsync(message);

        foreach (var answer in new[] { replay, afterRestart })
        {
            Assert.Equal(200, answer.Status);
            Assert.True(answer.SignedByHub);
            Assert.Equal(draft.MessageId, answer.Signal.MessageInfo!.RefToMessageId);
            Assert.True(As4SignalBuilder.ProvesDeliveryOf(answer.Signal.Receipt!, signedReferences));
        }
        Assert.Equal(registered, await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId, CancellationToken.None));
        Assert.Equal(1, await InboxCountAsync(draft)); // one delivery, whatever the number of replays
    }

    [Fact]
    public async Task S20_after_a_restart_the_same_MessageId_with_other_content_is_still_a_conflict_and_nothing_is_stored()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);
        Assert.Equal(200, (await _sender.PostAsync(As4HostileSender.Mime(envelope, sed))).Status);
        await _rig.RestartHubAsync(() => Task.CompletedTask);
        var other = _sender.NewDraft(messageId: draft.MessageId); // a fresh SED: other content, same id
        var (signed, otherSed) = _sender.Valid(other);
        var alerts = new EventCapture();
        _rig.Hub.Services.GetRequiredService<ILoggerFactory>().AddProvider(alerts);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, otherSed));

        Assert.Equal("EBMS:0004", Assert.Single(answer.Signal.Errors).ErrorCode);
        Assert.Equal(409, answer.Status);
        Assert.True(answer.SignedByHub);
        using var cases = await _rig.Api.GetAsync($"/api/v1/cases/{Uri.EscapeDataString(other.CaseId)}");
        Assert.Equal(404, (int)cases.StatusCode);
        Assert.Contains((9002, LogLevel.Error), alerts.Events); // the alert: HostLog.As4MessageIdConflict
    }

    /// <summary>Records the event id and level of every log entry (the hub's loggers pick up an added provider).</summary>
    private sealed class EventCapture : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(int, LogLevel)> _events = new();

        public IReadOnlyCollection<(int Id, LogLevel Level)> Events => [.. _events];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _events.Enqueue((eventId.Id, logLevel));

        public void Dispose()
        {
        }
    }

    /// <summary>The references of the signature in <paramref name="envelope"/> (what a receipt must acknowledge).</summary>
    private static IReadOnlyList<Adapters.As4.Model.As4Reference> WsSecuritySignerReferences(string envelope)
    {
        var framed = System.Text.Encoding.UTF8.GetBytes(envelope);
        var message = Adapters.As4.As4MessageReader.TryRead(framed, new Adapters.As4.As4ReaderLimits(), out _)!;
        return message.Security!.Signatures[0].References;
    }
}
