namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>
/// The log between stages, as cluster mode needs it: keyed records on named topics, ordered per key,
/// consumed by a group whose members share the partitions, offsets committed only after the caller's
/// durable effect. Kafka implements it (KafkaStageTransport, cluster mode); the embedded SQLite
/// stage log is meant to implement it too, so one compliance suite can run against both.
/// </summary>
public interface IStageTransport
{
    /// <summary>
    /// Appends <paramref name="value"/> under <paramref name="key"/> (the case id: one key, one partition, one order)
    /// and returns once the log holds it durably (for Kafka: acknowledged by all in-sync replicas).
    /// </summary>
    Task<StagePosition> PublishAsync(string topic, string key, byte[] value, CancellationToken cancellationToken);

    /// <summary>Joins consumer group <paramref name="group"/> on <paramref name="topics"/>; dispose to leave it.</summary>
    IStageSubscription Subscribe(string group, IReadOnlyList<string> topics);
}

/// <summary>One member of a consumer group: consume → handle → commit, one record at a time.</summary>
public interface IStageSubscription : IDisposable
{
    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next record (blocking the calling thread while it waits),
    /// runs <paramref name="handler"/> and commits the record's offset only once the handler has completed.
    /// If the handler throws, nothing is committed, the record is handed out again on the next call, and the
    /// exception propagates. Returns false when no record arrived in time.
    /// </summary>
    /// <remarks>
    /// A crash or a rebalance between the handler's effect and the commit hands the record out again (at least once):
    /// the handler's effect must be idempotent (the hub's dedup store decides).
    /// </remarks>
    Task<bool> HandleNextAsync(Func<StageMessage, CancellationToken, Task> handler, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The partitions this member holds now.</summary>
    IReadOnlyList<StagePartition> Assignment { get; }
}

/// <summary>One partition of one topic.</summary>
public readonly record struct StagePartition(string Topic, int Partition);

/// <summary>Where a record sits in the log.</summary>
public readonly record struct StagePosition(string Topic, int Partition, long Offset);

/// <summary>A record handed to a subscription's handler.</summary>
public sealed record StageMessage(string Topic, int Partition, long Offset, string Key, byte[] Value, DateTimeOffset Timestamp);
