using System.Diagnostics;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// A member of an embedded consumer group: reads its partitions in batches (at most <see cref="BatchSize"/> records
/// read ahead per partition), takes the partitions in turn, and commits a record's offset in the store once the
/// handler has completed. It waits for the store's <see cref="SqliteHubStore.Appended"/> signal, with a re-read of
/// every partition after <see cref="IdlePoll"/> without one, as the delivery worker's loop did.
/// </summary>
/// <remarks>
/// Runs per message (hot path): no LINQ, no captured lambdas. Calls to <see cref="HandleNextAsync"/> are serialised.
/// </remarks>
internal sealed class EmbeddedStageSubscription : IStageSubscription
{
    /// <summary>Records read per query, as the delivery worker's loop read them.</summary>
    internal const int BatchSize = 64;

    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    private readonly SqliteHubStore _store;
    private readonly EmbeddedConsumerGroup _group;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly SemaphoreSlim _serial = new(1, 1);
    private AssignmentState _state = AssignmentState.Empty;
    private bool _disposed;

    public EmbeddedStageSubscription(SqliteHubStore store, EmbeddedConsumerGroup group, IReadOnlyList<string> topics)
    {
        _store = store;
        _group = group;
        Topics = [.. topics];
        _store.Appended += OnAppended;
    }

    /// <summary>The topics this member subscribed to.</summary>
    public string[] Topics { get; }

    /// <inheritdoc />
    public IReadOnlyList<StagePartition> Assignment => Volatile.Read(ref _state).Partitions;

    /// <summary>Takes a new assignment (under the transport's lock): what was read ahead is dropped with the old one.</summary>
    internal void Assign(List<StagePartition> partitions, int generation)
    {
        Volatile.Write(ref _state, new AssignmentState([.. partitions], generation));
        Wake();
    }

    /// <inheritdoc />
    public async Task<bool> HandleNextAsync(Func<StageMessage, CancellationToken, Task> handler, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _serial.WaitAsync(cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            while (true)
            {
                if (await TryHandleOneAsync(handler, cancellationToken))
                {
                    return true;
                }
                var remaining = timeout - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || _disposed)
                {
                    return false;
                }
                if (!await _signal.WaitAsync(remaining < IdlePoll ? remaining : IdlePoll, cancellationToken))
                {
                    Volatile.Read(ref _state).MarkAllNew();
                }
            }
        }
        finally
        {
            _serial.Release();
        }
    }

    /// <summary>One round over the assigned partitions, starting where the last one stopped; false when none had a record.</summary>
    private async Task<bool> TryHandleOneAsync(Func<StageMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        var state = Volatile.Read(ref _state);
        var count = state.Cursors.Length;
        for (var i = 0; i < count; i++)
        {
            var index = (state.Next + i) % count;
            var cursor = state.Cursors[index];
            var gate = _group.Gate(cursor.Partition);
            if (!gate.Wait(0, CancellationToken.None))
            {
                continue; // its previous holder is still handling a record; it is woken when the gate opens
            }
            try
            {
                if (state.Generation != _group.Generation)
                {
                    return false; // reassigned meanwhile: the next round takes the new assignment (Assign woke us)
                }
                var message = await cursor.PeekAsync(_store, _group.Name, cancellationToken);
                if (message is null)
                {
                    continue;
                }
                try
                {
                    await handler(message, cancellationToken);
                    await _store.CommitOffsetAsync(_group.Name, message.Topic, message.Partition, message.Offset, cancellationToken);
                }
                catch
                {
                    // Not committed: forget what was read ahead and start the next call on this partition, so the
                    // same record is handed out again.
                    cursor.Reset();
                    state.Next = index;
                    throw;
                }
                cursor.Advance(message.Offset);
                state.Next = index + 1;
                return true;
            }
            finally
            {
                gate.Release();
                if (!ReferenceEquals(state, Volatile.Read(ref _state)))
                {
                    _group.WakeAll();
                }
            }
        }
        return false;
    }

    private void OnAppended(string topic, int partition)
    {
        if (Volatile.Read(ref _state).MarkNew(new StagePartition(topic, partition)))
        {
            Wake();
        }
    }

    internal void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Leaves the group: its partitions go to the other members at once.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _store.Appended -= OnAppended;
        _group.Transport.Leave(_group, this);
        Volatile.Write(ref _state, AssignmentState.Empty);
        Wake();
    }

    /// <summary>One assignment: its partitions and, per partition, what was read ahead. Replaced, never reused, on reassignment.</summary>
    private sealed class AssignmentState
    {
        public static readonly AssignmentState Empty = new([], 0);

        public AssignmentState(StagePartition[] partitions, int generation)
        {
            Generation = generation;
            Partitions = Array.AsReadOnly(partitions);
            Cursors = new PartitionCursor[partitions.Length];
            Index = new Dictionary<StagePartition, int>(partitions.Length);
            for (var i = 0; i < partitions.Length; i++)
            {
                Cursors[i] = new PartitionCursor(partitions[i]);
                Index[partitions[i]] = i;
            }
        }

        public IReadOnlyList<StagePartition> Partitions { get; }

        /// <summary>The group's generation this assignment was dealt in.</summary>
        public int Generation { get; }

        public PartitionCursor[] Cursors { get; }

        /// <summary>Read-only after construction, so the store's writer thread may look partitions up in it.</summary>
        private Dictionary<StagePartition, int> Index { get; }

        /// <summary>The cursor the next round starts at.</summary>
        public int Next { get; set; }

        public bool MarkNew(StagePartition partition)
        {
            if (!Index.TryGetValue(partition, out var i))
            {
                return false;
            }
            Cursors[i].MarkNew();
            return true;
        }

        public void MarkAllNew()
        {
            foreach (var cursor in Cursors)
            {
                cursor.MarkNew();
            }
        }
    }

    /// <summary>
    /// The read position of one partition: the last offset handled (the group's committed one when the partition was
    /// taken), the records read ahead, and whether records may have been appended since the last read.
    /// </summary>
    private sealed class PartitionCursor(StagePartition partition)
    {
        private const long Unknown = long.MinValue;

        private long _position = Unknown;
        private List<StageMessage> _batch = [];
        private int _next;
        private int _maybeNew = 1;

        public StagePartition Partition { get; } = partition;

        public void MarkNew() => Volatile.Write(ref _maybeNew, 1);

        /// <summary>The next record after the position, reading a batch when nothing is read ahead; null when there is none.</summary>
        public async Task<StageMessage?> PeekAsync(SqliteHubStore store, string group, CancellationToken cancellationToken)
        {
            if (_next < _batch.Count)
            {
                return _batch[_next];
            }
            if (Interlocked.Exchange(ref _maybeNew, 0) == 0)
            {
                return null; // nothing appended since the last read found the partition drained
            }
            try
            {
                if (_position == Unknown)
                {
                    _position = await store.GetCommittedOffsetAsync(group, Partition.Topic, Partition.Partition, cancellationToken);
                }
                _batch = await store.ReadMessagesAsync(Partition.Topic, Partition.Partition, _position, BatchSize, cancellationToken);
            }
            catch
            {
                MarkNew();
                throw;
            }
            _next = 0;
            if (_batch.Count == BatchSize)
            {
                MarkNew(); // a full batch: more may follow
            }
            return _batch.Count > 0 ? _batch[0] : null;
        }

        public void Advance(long offset)
        {
            _position = offset;
            _next++;
        }

        /// <summary>Forgets the position and what was read ahead: the next read starts from the group's committed offset.</summary>
        public void Reset()
        {
            _position = Unknown;
            _batch = [];
            _next = 0;
            MarkNew();
        }
    }
}
