namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>Links to related resources.</summary>
public sealed record DocumentLinks(string Self);

/// <summary>The answer to an accepted (or re-sent) document.</summary>
public sealed record AcceptedDocument(Guid Id, string Status, bool Duplicate, DocumentLinks Links);

/// <summary>One audit event as the API shows it.</summary>
public sealed record AuditEventView(long Sequence, DateTimeOffset At, string Stage, string Event, string? Code, IReadOnlyDictionary<string, string> Facts);

/// <summary>A document's current state and its ordered audit trail.</summary>
public sealed record DocumentView(
    Guid Id,
    string Status,
    string? Direction,
    string? SedType,
    string? CaseId,
    string? BusinessService,
    string? Sender,
    string? Receiver,
    string? AccessPoint,
    string? ReceiptId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    IReadOnlyList<AuditEventView> Events);

/// <summary>Links of an inbox entry.</summary>
public sealed record InboxLinks(string Document, string Payload, string Acknowledge);

/// <summary>One document waiting in an institution's inbox.</summary>
public sealed record InboxEntry(Guid Id, string SedType, string CaseId, string BusinessService, string Sender, DateTimeOffset ReceivedAt, InboxLinks Links);

/// <summary>An institution's inbox.</summary>
public sealed record InboxView(string Institution, IReadOnlyList<InboxEntry> Items);
