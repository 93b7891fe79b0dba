namespace Cleiss.Exchange.Hub.Kafka.Avro;

/// <summary>What a receipt says (schemas/avro/Receipt.avsc).</summary>
public enum ReceiptStatus
{
    /// <summary>Taken in.</summary>
    Accepted,

    /// <summary>Handed over to the recipient.</summary>
    Delivered,

    /// <summary>Refused; the code says why.</summary>
    Rejected,
}

/// <summary>A receipt for an exchanged document (schemas/avro/Receipt.avsc).</summary>
public sealed record ReceiptMessage(
    Guid DocumentId,
    string InstanceIdentifier,
    string CaseId,
    ReceiptStatus Status,
    string ContentSha256,
    string? Code,
    DateTimeOffset IssuedAt);
