using Cleiss.Exchange.Hub.Storage;
using static Cleiss.Exchange.Hub.Tests.Storage.Compliance.StoredDocuments;

namespace Cleiss.Exchange.Hub.Tests.Storage;

/// <summary>
/// Group commit in the SQLite store (ADR 0017): writes queued while one commits share the next transaction, each in its
/// own savepoint. The first commit is held at the store's commit hook until the others are queued, so the groups are
/// formed the same way on every run.
/// </summary>
public sealed partial class SqliteHubStoreTests
{
    private const string Topic = "t";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Writes_queued_behind_a_commit_share_the_next_transaction_and_each_keeps_its_own_result()
    {
        var (first, release) = await HoldFirstCommitAsync(Document("i-0"));
        var queued = Enumerable.Range(1, 10).Select(i => Commit(Document($"i-{i}"))).ToList();
        await WaitQueuedAsync(10);
        var before = _store.Commits;
        release();

        var results = await Task.WhenAll(queued);
        await first;

        Assert.Equal(before + 2, _store.Commits); // the held one, then the ten together
        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i), (await _store.ReadAsync(Topic, 0, -1, 100, CancellationToken.None)).Select(r => r.Offset));
        Assert.Null(await _store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Many_concurrent_writers_all_commit_once_with_contiguous_offsets_and_a_valid_chain()
    {
        const int writers = 32, each = 25;
        var all = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                Assert.True((await Commit(Document($"w{w}-{i}"))).Created);
                await _store.CommitOffsetAsync("g", Topic, 0, (w * each) + i, CancellationToken.None); // another kind of write in between
            }
        })));
        await all.WaitAsync(Patience);

        var log = await _store.ReadAsync(Topic, 0, -1, writers * each + 1, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, writers * each).Select(i => (long)i), log.Select(r => r.Offset));
        Assert.Equal(writers * each, log.Select(r => r.DocumentId).Distinct().Count());
        Assert.Null(await _store.VerifyAuditChainAsync(CancellationToken.None));
        Assert.Equal(0, _store.QueuedWrites);
    }

    [Fact]
    public async Task A_write_that_fails_inside_a_group_is_undone_alone_and_the_next_one_takes_its_offset()
    {
        var (first, release) = await HoldFirstCommitAsync(Document("i-0"));
        var a = Document("i-a");
        var clash = Document("i-b") with { Id = a.Id }; // the same primary key: its insert fails inside the group
        var c = Document("i-c");
        var commitA = Commit(a);
        var commitClash = Commit(clash);
        var commitC = Commit(c);
        var duplicate = Commit(Document("i-a")); // asks for a rollback (same instance as a: found, not created)
        await WaitQueuedAsync(4);
        release();

        await first;
        Assert.True((await commitA).Created);
        await Assert.ThrowsAsync<HubStorageException>(() => commitClash);
        Assert.True((await commitC).Created);
        Assert.False((await duplicate).Created);
        var log = await _store.ReadAsync(Topic, 0, -1, 100, CancellationToken.None);
        Assert.Equal([0L, 1L, 2L], log.Select(r => r.Offset));
        Assert.Equal(c.Id, log[2].DocumentId);
        Assert.Single(await _store.GetAuditTrailAsync(a.Id, CancellationToken.None)); // the clash's event was undone with it
        Assert.Single(await _store.GetAuditTrailAsync(c.Id, CancellationToken.None));
        Assert.Null(await _store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_commit_fails_every_write_of_its_group_and_keeps_none_of_them()
    {
        var (first, release) = await HoldFirstCommitAsync(Document("i-0"), failTheNext: true);
        var queued = Enumerable.Range(1, 5).Select(i => Commit(Document($"i-{i}"))).ToList();
        await WaitQueuedAsync(5);
        release();

        await first;
        foreach (var write in queued)
        {
            await Assert.ThrowsAsync<HubStorageException>(() => write);
        }
        Assert.Single(await _store.ReadAsync(Topic, 0, -1, 100, CancellationToken.None));

        _store.WriteFault = null;
        var after = await Commit(Document("i-1"));
        Assert.True(after.Created); // nothing of the failed group was kept
        Assert.Equal([0L, 1L], (await _store.ReadAsync(Topic, 0, -1, 100, CancellationToken.None)).Select(r => r.Offset));
        Assert.Null(await _store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_is_not_run()
    {
        var (first, release) = await HoldFirstCommitAsync(Document("i-0"));
        using var cancel = new CancellationTokenSource();
        var cancelled = _store.CommitIntakeAsync(Document("i-1"), [], Topic, cancel.Token);
        await WaitQueuedAsync(1);
        await cancel.CancelAsync();
        release();

        await first;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Single(await _store.ReadAsync(Topic, 0, -1, 100, CancellationToken.None));
    }

    private Task<IntakeCommitResult> Commit(DocumentRecord document) =>
        _store.CommitIntakeAsync(document, [new NewAuditEvent(document.Id, DateTimeOffset.UnixEpoch, "ingest", "accepted", null, new Dictionary<string, string>())], Topic, CancellationToken.None);

    /// <summary>
    /// Starts a write and holds it at its commit until the returned action runs; with <paramref name="failTheNext"/> the
    /// commit after it fails as a failing disk would.
    /// </summary>
    private async Task<(Task<IntakeCommitResult> First, Action Release)> HoldFirstCommitAsync(DocumentRecord document, bool failTheNext = false)
    {
        using var entered = new SemaphoreSlim(0);
        var gate = new ManualResetEventSlim(false);
        var calls = 0;
        _store.WriteFault = () =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.Release();
                gate.Wait(Patience);
                return false;
            }
            return failTheNext;
        };
        var first = Task.Run(() => Commit(document));
        Assert.True(await entered.WaitAsync(Patience));
        return (first, gate.Set);
    }

    private async Task WaitQueuedAsync(int count)
    {
        for (var i = 0; i < 3000 && _store.QueuedWrites < count; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(count, _store.QueuedWrites);
    }
}
