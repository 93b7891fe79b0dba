using System.Collections.Concurrent;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// One consumer group of <see cref="EmbeddedStageTransport"/>: its members in join order and who holds which
/// partition. Membership changes run under the transport's lock.
/// </summary>
internal sealed class EmbeddedConsumerGroup(string name, EmbeddedStageTransport transport)
{
    private readonly List<EmbeddedStageSubscription> _members = [];
    private readonly ConcurrentDictionary<StagePartition, SemaphoreSlim> _gates = new();
    private EmbeddedStageSubscription[] _snapshot = [];
    private int _generation;

    public string Name { get; } = name;

    public EmbeddedStageTransport Transport { get; } = transport;

    /// <summary>
    /// Bumped by every rebalance before any member gets its new assignment: a member holding a partition's gate
    /// under an older generation must not read it, its new holder may already be past its old position.
    /// </summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// The gate of a partition, held from reading a record to committing it. A partition dealt to another member
    /// while its previous holder is still handling a record stays closed until that record is committed, so the
    /// new holder starts after it instead of handing it out a second time.
    /// </summary>
    public SemaphoreSlim Gate(StagePartition partition) => _gates.GetOrAdd(partition, static _ => new SemaphoreSlim(1, 1));

    public void Join(EmbeddedStageSubscription member)
    {
        _members.Add(member);
        Rebalance();
    }

    public void Leave(EmbeddedStageSubscription member)
    {
        if (_members.Remove(member))
        {
            Rebalance();
        }
    }

    /// <summary>
    /// Deals the group's (topic, partition) list, topics in ordinal order, round-robin over the members subscribed to
    /// each topic, in join order; each member gets its new assignment (and drops what it had read ahead).
    /// </summary>
    public void Rebalance()
    {
        var generation = Interlocked.Increment(ref _generation);
        Volatile.Write(ref _snapshot, [.. _members]);
        var dealt = _members.ToDictionary(m => m, _ => new List<StagePartition>());
        var topics = _members.SelectMany(m => m.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var turn = 0;
        foreach (var topic in topics)
        {
            var holders = _members.Where(m => m.Topics.Contains(topic, StringComparer.Ordinal)).ToList();
            var partitions = Transport.PartitionsOfLocked(topic);
            for (var p = 0; p < partitions; p++)
            {
                dealt[holders[turn++ % holders.Count]].Add(new StagePartition(topic, p));
            }
        }
        foreach (var member in _members)
        {
            member.Assign(dealt[member], generation);
        }
    }

    /// <summary>Wakes every member, so a member waiting for a partition whose gate just opened looks again.</summary>
    public void WakeAll()
    {
        foreach (var member in Volatile.Read(ref _snapshot))
        {
            member.Wake();
        }
    }
}
