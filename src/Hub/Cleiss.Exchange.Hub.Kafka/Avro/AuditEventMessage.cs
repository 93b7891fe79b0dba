namespace Cleiss.Exchange.Hub.Kafka.Avro;

/// <summary>An audit event on the audit topic (schemas/avro/AuditEvent.avsc). Ids and codes only, no personal data.</summary>
public sealed record AuditEventMessage(
    Guid EventId,
    Guid? DocumentId,
    string? CaseId,
    string Stage,
    string Kind,
    string? Code,
    string NodeId,
    DateTimeOffset OccurredAt);
