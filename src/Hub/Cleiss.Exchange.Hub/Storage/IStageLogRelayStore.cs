using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// Cluster mode's transactional outbox towards Kafka: the intake commits a document and its stage-log record in one
/// database transaction, and a relay hands the records on to the external log afterwards, committing how far it got
/// (<see cref="IStageLog.CommitOffsetAsync"/>). One node relays at a time (<see cref="TryLeadAsync"/>); a relay that
/// dies between publishing and committing publishes those records again, which the consumers absorb (a document that
/// reached its end state is not run again).
/// </summary>
public interface IStageLogRelayStore
{
    /// <summary>The group under which the Kafka relay commits its stage-log offsets.</summary>
    const string KafkaRelayGroup = "relay.kafka";

    /// <summary>The group under which the Kafka relay records the last audit sequence number it published.</summary>
    const string KafkaAuditRelayGroup = "relay.kafka.audit";

    /// <summary>
    /// The records of <paramref name="partitions"/> after the offsets <paramref name="group"/> committed, at most
    /// <paramref name="maxPerPartition"/> per partition, in offset order within each partition, with what the external
    /// record needs of the document (one read for all partitions).
    /// </summary>
    Task<IReadOnlyList<RelayRecord>> ReadUnrelayedAsync(string group, IReadOnlyList<StagePartition> partitions, int maxPerPartition, CancellationToken cancellationToken);

    /// <summary>
    /// The audit events after <paramref name="afterSeq"/> (at most <paramref name="max"/>, in sequence order), with the
    /// case and facts of their document when it is stored (rejections store none), for the audit and dead-letter topics.
    /// </summary>
    Task<IReadOnlyList<RelayAuditEvent>> ReadAuditForRelayAsync(long afterSeq, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Becomes the relay if no other node is (a lock the database drops when this node's connection ends, a crash
    /// included); null when another node leads. Dispose the lease to step down.
    /// </summary>
    Task<IRelayLease?> TryLeadAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Held by the one node that relays; lost when its database connection ends.</summary>
public interface IRelayLease : IAsyncDisposable
{
    /// <summary>
    /// Waits until any node appends to the stage log or <paramref name="timeout"/> passes. Throws when the lease's
    /// connection broke: the caller must step down and try to lead again.
    /// </summary>
    Task WaitForAppendAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A stage-log record with the document facts the external record carries.</summary>
public sealed record RelayRecord(
    string Topic, int Partition, long Offset, Guid DocumentId, Direction Direction, string CaseId,
    string InstanceIdentifier, string ContentSha256, DateTimeOffset AcceptedAt);

/// <summary>An audit event for the audit topic; <see cref="Document"/> is null when no document was stored (a rejection).</summary>
public sealed record RelayAuditEvent(long Seq, Guid DocumentId, string Stage, string Event, string? Code, DateTimeOffset At, string Hash, RelayRecord? Document);
