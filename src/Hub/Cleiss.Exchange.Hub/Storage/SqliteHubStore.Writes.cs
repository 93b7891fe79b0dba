using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// Group commit on the single writer connection (ADR 0017). Every write is queued; whoever holds the write lock
/// runs the queued writes in one transaction, each inside its own savepoint, and commits them with one fsync. A write
/// that asks for a rollback or throws is undone alone; a commit that fails fails every write of its group. A caller
/// returns only after its write is durable, exactly as with one transaction per write, but concurrent writers (the
/// intake's requests, the delivery lanes, their offset commits) share the cost of the fsync and of taking the lock.
/// </summary>
/// <remarks>Runs per message (hot path): one queued item and one task per write, no LINQ.</remarks>
public sealed partial class SqliteHubStore
{
    /// <summary>At most this many writes share one transaction, so a group's latency stays bounded.</summary>
    internal const int MaxWritesPerCommit = 64;

    private const string Savepoint = "w";

    private readonly ConcurrentQueue<PendingWrite> _writes = new();

    /// <summary>The group being committed: used under the write lock only, reused so a group allocates no list.</summary>
    private readonly List<PendingWrite> _group = new(MaxWritesPerCommit);

    /// <summary>Writes waiting for a group (tests).</summary>
    internal int QueuedWrites => _writes.Count;

    /// <summary>Transactions committed so far (tests: a group is one).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    private long _commits;

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of the writer connection and returns once it committed (or was
    /// rolled back: the work returns its result and whether to commit). In-memory state (the audit chain head, the log
    /// offsets) moves only after the commit, so a failed or rolled-back write leaves nothing behind.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<WriteScope, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, cancellationToken);
        _writes.Enqueue(write);
        // Lead groups until ours is done. When the lock is taken, its holder finds ours in the queue: every holder looks
        // at the queue after it lets the lock go.
        if (await LeadGroupsAsync(write))
        {
            HandOffQueuedWrites();
        }
        return await write.Task;
    }

    /// <summary>
    /// Called by every holder of the write lock after it let the lock go: writes queued meanwhile are committed by a
    /// pool thread, since their callers found the lock taken and wait.
    /// </summary>
    private void HandOffQueuedWrites()
    {
        if (!_writes.IsEmpty)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static store => _ = store.LeadGroupsAsync(null), this, preferLocal: false);
        }
    }

    /// <summary>
    /// Commits groups while the lock is free and there is work: until <paramref name="own"/> is done, or, for a pool
    /// thread handed the queue (<paramref name="own"/> null), until the queue is empty. True when it held the lock.
    /// </summary>
    private async Task<bool> LeadGroupsAsync(PendingWrite? own)
    {
        var led = false;
        while ((own is null ? !_writes.IsEmpty : !own.IsCompleted) && _writeLock.Wait(0, CancellationToken.None))
        {
            led = true;
            try
            {
                await CommitGroupAsync();
            }
            finally
            {
                _writeLock.Release();
            }
        }
        return led;
    }

    /// <summary>Takes up to <see cref="MaxWritesPerCommit"/> queued writes and commits them together (under the write lock).</summary>
    private async Task CommitGroupAsync()
    {
        var group = _group;
        group.Clear();
        while (group.Count < MaxWritesPerCommit && _writes.TryDequeue(out var queued))
        {
            if (queued.TryStart())
            {
                group.Add(queued);
            }
        }
        if (group.Count == 0)
        {
            return;
        }
        SqliteTransaction? tx = null;
        try
        {
            tx = (SqliteTransaction)await Writer.BeginTransactionAsync(CancellationToken.None);
            var state = new GroupState(_lastHash);
            var committing = 0;
            // A write alone needs no savepoint: rolling back the transaction undoes it just as well.
            var savepoints = group.Count > 1;
            foreach (var write in group)
            {
                if (await RunInSavepointAsync(tx, state, write, savepoints))
                {
                    committing++;
                }
            }
            if (committing == 0)
            {
                await tx.RollbackAsync(CancellationToken.None);
            }
            else
            {
                if (WriteFault?.Invoke() == true)
                {
                    // Fault injection (tests): the disk fails at the commit, as SQLite reports it (SQLITE_IOERR).
                    throw new SqliteException("disk I/O error (injected)", 10);
                }
                await tx.CommitAsync(CancellationToken.None);
                Interlocked.Increment(ref _commits);
                _lastHash = state.ChainHead;
                if (state.Offsets is { } offsets)
                {
                    foreach (var (key, next) in offsets)
                    {
                        _nextOffsets[key] = next;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // The transaction is lost (begin, a savepoint's rollback or the commit failed): no write of the group is durable.
            var failure = ex is SqliteException sqlite ? StorageFailure(sqlite) : ex;
            foreach (var write in group)
            {
                write.Fail(failure);
            }
            return;
        }
        finally
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }
        }
        foreach (var write in group)
        {
            write.Complete();
        }
        group.Clear();
    }

    /// <summary>
    /// Runs one write, in its own savepoint when it shares the transaction; true when it is to be committed. Its own
    /// failure undoes only it (alone, the caller rolls the transaction back since nothing is to be committed).
    /// </summary>
    private async Task<bool> RunInSavepointAsync(SqliteTransaction tx, GroupState state, PendingWrite write, bool savepoint)
    {
        if (savepoint)
        {
            await tx.SaveAsync(Savepoint, CancellationToken.None);
        }
        var scope = new WriteScope(Writer, tx, state);
        bool commit;
        try
        {
            commit = await write.RunAsync(scope);
        }
        catch (Exception ex)
        {
            if (savepoint)
            {
                // A failed savepoint rollback (SQLite dropped the whole transaction, e.g. SQLITE_FULL) throws: the group fails.
                await tx.RollbackAsync(Savepoint, CancellationToken.None);
                await tx.ReleaseAsync(Savepoint, CancellationToken.None);
            }
            write.Fail(ex is SqliteException sqlite ? StorageFailure(sqlite) : ex);
            return false;
        }
        if (savepoint)
        {
            if (!commit)
            {
                await tx.RollbackAsync(Savepoint, CancellationToken.None);
            }
            await tx.ReleaseAsync(Savepoint, CancellationToken.None);
        }
        if (commit)
        {
            state.Accept(scope);
        }
        return commit;
    }

    /// <summary>What the writes of one group committed so far: the chain head and the log offsets they took.</summary>
    private sealed class GroupState(string chainHead)
    {
        public string ChainHead { get; private set; } = chainHead;

        /// <summary>Null until a write of the group appends to the log.</summary>
        public Dictionary<(string Topic, int Partition), long>? Offsets { get; private set; }

        public void Accept(WriteScope scope)
        {
            ChainHead = scope.ChainHead;
            if (scope.Allocations is { } allocations)
            {
                Offsets ??= [];
                foreach (var (key, next) in allocations)
                {
                    Offsets[key] = next;
                }
            }
        }
    }

    /// <summary>One write inside a group's transaction: commands bound to it, the chain head and the offsets it takes.</summary>
    private sealed class WriteScope(SqliteConnection connection, SqliteTransaction transaction, GroupState group)
    {
        public string ChainHead { get; set; } = group.ChainHead;

        public Dictionary<(string Topic, int Partition), long>? Allocations { get; private set; }

        public SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        /// <summary>Records that this write appended <paramref name="offset"/> to a partition of the log.</summary>
        public void Allocated(string topic, int partition, long offset) => (Allocations ??= [])[(topic, partition)] = offset + 1;

        /// <summary>The next offset of a partition after the offsets this write and the group's earlier writes took.</summary>
        public bool TryGetNextOffset(string topic, int partition, out long next)
        {
            next = 0;
            return Allocations?.TryGetValue((topic, partition), out next) == true || group.Offsets?.TryGetValue((topic, partition), out next) == true;
        }
    }

    /// <summary>A queued write: started at most once, completed after its group committed.</summary>
    private abstract class PendingWrite
    {
        private int _started;

        /// <summary>False when the caller's token was cancelled before the write started (the write is then cancelled).</summary>
        public bool TryStart()
        {
            if (Interlocked.Exchange(ref _started, 1) == 1)
            {
                return false;
            }
            if (Token.IsCancellationRequested)
            {
                Fail(new OperationCanceledException(Token));
                return false;
            }
            return true;
        }

        protected abstract CancellationToken Token { get; }

        /// <summary>Whether the write committed, failed or was cancelled.</summary>
        public abstract bool IsCompleted { get; }

        public abstract Task<bool> RunAsync(WriteScope scope);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<WriteScope, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override bool IsCompleted => _completion.Task.IsCompleted;

        protected override CancellationToken Token => cancellationToken;

        public override async Task<bool> RunAsync(WriteScope scope)
        {
            var (result, commit) = await work(scope);
            _result = result;
            return commit;
        }

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException canceled)
            {
                _completion.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }
    }
}
