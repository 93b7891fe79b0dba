using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Kafka.Avro;

/// <summary>
/// A document crossing a stage boundary (schemas/avro/StageRecord.avsc). Keyed by <see cref="CaseId"/>
/// on the log so a case keeps its order. Exactly one of <see cref="Payload"/> and <see cref="PayloadRef"/> is set.
/// </summary>
public sealed record StageRecord(
    Guid DocumentId,
    Direction Direction,
    string CaseId,
    string Stage,
    string InstanceIdentifier,
    string ContentSha256,
    byte[]? Payload,
    string? PayloadRef,
    DateTimeOffset AcceptedAt,
    DateTimeOffset ProducedAt,
    int Attempt = 0);
