using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>Document lifecycle states, as stored.</summary>
public static class DocumentStatus
{
    public const string Accepted = "accepted";
    public const string Signed = "signed";
    public const string Delivered = "delivered";

    /// <summary>Waiting in an AS4 pull queue (MPC) for the partner to collect it and send its receipt.</summary>
    public const string Queued = "queued";
    public const string Acknowledged = "acknowledged";
    public const string Failed = "failed";
    public const string Rejected = "rejected";

    /// <summary>A failed document an operator discarded (with a reason): it is not replayed.</summary>
    public const string Discarded = "discarded";
}

/// <summary>
/// A failed document (dead letter) with what failed it: the last <c>failed</c> audit event's stage, code and detail.
/// The cause groups dead letters: code + partner access point + SED type.
/// </summary>
public sealed record DeadLetter(Guid DocumentId, string Direction, string SedType, string CaseId, string AccessPointId, string Stage, string Code, string Detail, DateTimeOffset FailedAt)
{
    public (string Code, string AccessPointId, string SedType) Cause => (Code, AccessPointId, SedType);
}

/// <summary>A document as the store keeps it.</summary>
public sealed record DocumentRecord
{
    public required Guid Id { get; init; }
    public required string InstanceIdentifier { get; init; }
    public required Direction Direction { get; init; }
    public required string SedType { get; init; }
    public required string CaseId { get; init; }
    public required string BusinessService { get; init; }
    public required string SenderId { get; init; }
    public required string ReceiverId { get; init; }
    public required string AccessPointId { get; init; }
    public string? Endpoint { get; init; }
    public required string PackId { get; init; }
    public required string ContentSha256 { get; init; }
    public required byte[] Payload { get; init; }
    public byte[]? SignedPayload { get; init; }
    public string? ReceiptId { get; init; }
    public required string Status { get; init; }
    public string? LastStage { get; init; }
    public required int Partition { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>An audit event to append.</summary>
public sealed record NewAuditEvent(Guid DocumentId, DateTimeOffset At, string Stage, string Event, string? Code, IReadOnlyDictionary<string, string> Facts);

/// <summary>An audit event as stored, with its place in the hash chain.</summary>
public sealed record AuditEventRecord(long Sequence, Guid DocumentId, DateTimeOffset At, string Stage, string Event, string? Code, IReadOnlyDictionary<string, string> Facts, string Hash);

/// <summary>What a delivery stage changed on a document.</summary>
public sealed record DocumentProgress(string Status, string LastStage, byte[]? SignedPayload = null, string? ReceiptId = null);

/// <summary>The outcome of committing an intake.</summary>
/// <param name="DocumentId">The id the client gets: new, or the first one's on a re-send.</param>
/// <param name="Status">The current status of that document.</param>
/// <param name="Created">False when the InstanceIdentifier was already known.</param>
/// <param name="SameContent">On a duplicate: whether the bytes are the same as the first time.</param>
/// <param name="CaseConflict">True when the case changed since the case rules decided: nothing was stored, decide again.</param>
public sealed record IntakeCommitResult(Guid DocumentId, string Status, bool Created, bool SameContent, bool CaseConflict = false);

/// <summary>One entry of an institution's inbox.</summary>
public sealed record InboxItem(Guid DocumentId, string SedType, string CaseId, string BusinessService, string SenderId, string Status, DateTimeOffset ReceivedAt);

/// <summary>A record of the embedded stage log.</summary>
public sealed record LogRecord(string Topic, int Partition, long Offset, Guid DocumentId);
