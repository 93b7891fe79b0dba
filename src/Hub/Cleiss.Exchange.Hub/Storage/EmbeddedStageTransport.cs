using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// <see cref="IStageTransport"/> on the embedded SQLite stage log (embedded mode): a record is durable when
/// <see cref="PublishAsync"/> returns (the store's write path, <c>synchronous=FULL</c>), records the intake wrote are
/// read as their document id, and consumer groups live in this process: the members of a group share its
/// partitions, dealt round-robin in join order and dealt again when a member joins or leaves.
/// </summary>
/// <remarks>
/// Partitioning is the intake's (<see cref="IntakeService.PartitionOf"/>, FNV-1a over the key), so a case's published
/// records and its intake records land on one partition. Every topic has <c>Hub:Partitions</c> partitions unless
/// <see cref="DeclareTopic"/> gave it its own count; Kafka keeps that count per topic on the brokers instead.
/// The store must be initialised (<see cref="SqliteHubStore.InitializeAsync"/>) before records are published or read.
/// </remarks>
public sealed class EmbeddedStageTransport : IStageTransport
{
    private readonly SqliteHubStore _store;
    private readonly TimeProvider _time;
    private readonly int _defaultPartitions;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EmbeddedConsumerGroup> _groups = new(StringComparer.Ordinal);

    public EmbeddedStageTransport(SqliteHubStore store, IOptions<HubOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _time = time;
        _defaultPartitions = options.Value.Partitions;
    }

    /// <summary>
    /// Gives <paramref name="topic"/> its own partition count instead of <c>Hub:Partitions</c>. Declare it before
    /// anything is published to it, with the same count on every start: the count is not stored, and a different
    /// one would move keys to other partitions. Declaring the same count again does nothing.
    /// </summary>
    public void DeclareTopic(string topic, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        lock (_lock)
        {
            if (_declared.TryGetValue(topic, out var declared))
            {
                if (declared != partitions)
                {
                    throw new InvalidOperationException($"Topic {topic} is declared with {declared} partitions; it cannot change to {partitions}.");
                }
                return;
            }
            _declared[topic] = partitions;
            foreach (var group in _groups.Values)
            {
                group.Rebalance();
            }
        }
    }

    /// <summary>The partition count of <paramref name="topic"/>: its declared one, else <c>Hub:Partitions</c>.</summary>
    public int PartitionsOf(string topic)
    {
        lock (_lock)
        {
            return _declared.TryGetValue(topic, out var partitions) ? partitions : _defaultPartitions;
        }
    }

    /// <inheritdoc />
    public async Task<StagePosition> PublishAsync(string topic, string key, byte[] value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var partition = IntakeService.PartitionOf(key, PartitionsOf(topic));
        var offset = await _store.AppendMessageAsync(topic, partition, key, value, _time.GetUtcNow(), cancellationToken);
        return new StagePosition(topic, partition, offset);
    }

    /// <inheritdoc />
    public IStageSubscription Subscribe(string group, IReadOnlyList<string> topics)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Count == 0)
        {
            throw new ArgumentException("Subscribe to at least one topic.", nameof(topics));
        }
        lock (_lock)
        {
            if (!_groups.TryGetValue(group, out var state))
            {
                state = new EmbeddedConsumerGroup(group, this);
                _groups[group] = state;
            }
            var member = new EmbeddedStageSubscription(_store, state, topics);
            state.Join(member);
            return member;
        }
    }

    /// <summary>Takes <paramref name="member"/> out of its group and deals its partitions to the others.</summary>
    internal void Leave(EmbeddedConsumerGroup group, EmbeddedStageSubscription member)
    {
        lock (_lock)
        {
            group.Leave(member);
        }
    }

    /// <summary>The partition count of a topic while the transport's lock is held (rebalances).</summary>
    internal int PartitionsOfLocked(string topic) => _declared.TryGetValue(topic, out var partitions) ? partitions : _defaultPartitions;
}
