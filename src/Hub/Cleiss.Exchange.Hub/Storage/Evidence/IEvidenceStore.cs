namespace Cleiss.Exchange.Hub.Storage.Evidence;

/// <summary>One stored piece of evidence of a document's exchange (e.g. the AS4 message sent, the partner's receipt).</summary>
public sealed record EvidenceItem(string Kind, string MediaType, byte[] Content, DateTimeOffset At);

/// <summary>
/// The exchange artefacts kept for evidence beside a document: what went over the wire and what came back (the
/// payload and the signed document are in the document itself). One item per kind; a re-send replaces it.
/// </summary>
public interface IEvidenceStore
{
    /// <summary>Stores the items of one document in one transaction (one fsync per exchange, not per item).</summary>
    Task PutEvidenceAsync(Guid documentId, IReadOnlyList<EvidenceItem> items, CancellationToken cancellationToken);

    Task<IReadOnlyList<EvidenceItem>> GetEvidenceAsync(Guid documentId, CancellationToken cancellationToken);
}

/// <summary>The kinds of evidence the hub keeps.</summary>
public static class EvidenceKinds
{
    /// <summary>The message as sent to the partner (AS4: the signed MIME message).</summary>
    public const string SentMessage = "sent-message";

    /// <summary>The partner's answer that proved delivery (AS4: its signed non-repudiation receipt; HTTP: its signed receipt).</summary>
    public const string PartnerReceipt = "partner-receipt";

    /// <summary>The message as received from a partner (AS4: the MIME message).</summary>
    public const string ReceivedMessage = "received-message";

    /// <summary>The receipt the hub answered it with.</summary>
    public const string HubReceipt = "hub-receipt";
}
