using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cleiss.Exchange.Hub.Tests.Pipeline;

public sealed class CaseTimerServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private SqliteHubStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private CaseTimerService Service() => new(_store, _time, Options.Create(new CaseOptions()), NullLogger<CaseTimerService>.Instance);

    private async Task<Guid> OpenCaseAsync(string caseId, DateTimeOffset? closeAt)
    {
        var document = new DocumentRecord
        {
            Id = Guid.CreateVersion7(), InstanceIdentifier = caseId + "-i", Direction = Direction.Inbound, SedType = "A011", CaseId = caseId,
            BusinessService = "LA_BUC_01:4.4", SenderId = "BE:ONSS00001", ReceiverId = "FR:CLEISS0002", AccessPointId = "FR:AP0001",
            PackId = "p", ContentSha256 = "x", Payload = [1], Status = DocumentStatus.Accepted, LastStage = "route", Partition = 0,
            CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow(),
        };
        var state = new CaseState(caseId, "LA_BUC_01", "4.4", "open", ["FR:CLEISS0002", "BE:ONSS00001"],
            new Dictionary<string, CaseDocument> { [caseId + "-i"] = new("A011", false) }, 1)
        {
            CloseAt = closeAt, TimerRule = "closed 60 days after A011", TimerDocumentId = document.Id,
        };
        Assert.True((await _store.CommitIntakeAsync(document, [], "t", CancellationToken.None, new CaseTransition(state, 0, "opened"))).Created);
        return document.Id;
    }

    [Fact]
    public async Task A_case_whose_timer_is_due_is_closed_once_and_the_closing_is_audited_on_the_document_that_started_it()
    {
        var due = await OpenCaseAsync("due", _time.GetUtcNow().AddDays(60));
        await OpenCaseAsync("later", _time.GetUtcNow().AddDays(90));
        await OpenCaseAsync("none", null);

        Assert.Equal(0, await Service().SweepAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromDays(61));
        Assert.Equal(1, await Service().SweepAsync(CancellationToken.None));
        Assert.Equal(0, await Service().SweepAsync(CancellationToken.None));

        var closed = await _store.GetCaseAsync("due", CancellationToken.None);
        Assert.Equal("closed", closed!.Status);
        Assert.Equal(2, closed.Revision);
        Assert.Equal("open", (await _store.GetCaseAsync("later", CancellationToken.None))!.Status);
        var audit = Assert.Single(await _store.GetAuditTrailAsync(due, CancellationToken.None));
        Assert.Equal("case-closed", audit.Event);
        Assert.Equal("closed 60 days after A011", audit.Facts["rule"]);
        Assert.Null(await _store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_case_that_moved_on_since_it_was_read_is_not_closed_by_a_stale_decision()
    {
        await OpenCaseAsync("moving", _time.GetUtcNow().AddDays(-1));
        var stale = (await _store.GetCasesDueAsync(_time.GetUtcNow(), 10, CancellationToken.None)).Single();
        var moved = stale with { Revision = 2, CloseAt = null };
        Assert.True((await _store.CommitIntakeAsync(new DocumentRecord
        {
            Id = Guid.CreateVersion7(), InstanceIdentifier = "moving-2", Direction = Direction.Outbound, SedType = "X001", CaseId = "moving",
            BusinessService = "LA_BUC_01:4.4", SenderId = "FR:CLEISS0002", ReceiverId = "BE:ONSS00001", AccessPointId = "BE:AP0001",
            PackId = "p", ContentSha256 = "y", Payload = [1], Status = DocumentStatus.Accepted, LastStage = "route", Partition = 0,
            CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow(),
        }, [], "t", CancellationToken.None, new CaseTransition(moved, 1, "x"))).Created);

        Assert.False(await _store.CloseCaseByTimerAsync(stale, _time.GetUtcNow(), CancellationToken.None));
        Assert.Equal("open", (await _store.GetCaseAsync("moving", CancellationToken.None))!.Status);
    }
}
