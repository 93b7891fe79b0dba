namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// One signed AS4 user message waiting in a message partition channel (MPC) for the partner to pull it.
/// </summary>
/// <param name="Mpc">The MPC it waits in.</param>
/// <param name="MessageId">Its eb:MessageId (the receipt refers to it).</param>
/// <param name="DocumentId">The outbound document it carries.</param>
/// <param name="AccessPointId">The partner access point that may pull it (and must sign the receipt).</param>
/// <param name="PModeId">The P-Mode it was built under.</param>
/// <param name="ContentType">The HTTP Content-Type of <paramref name="Body"/> (multipart/related with its boundary).</param>
/// <param name="Body">The signed MIME message, exactly as it is handed out on every pull.</param>
/// <param name="SignedReferences">What the signature covers, as the transport serialised it (the receipt must list each).</param>
/// <param name="QueuedAt">When it was queued.</param>
/// <param name="Pulls">How many times it was handed out (before this pull, when returned by a pull).</param>
public sealed record QueuedAs4Message(
    string Mpc,
    string MessageId,
    Guid DocumentId,
    string AccessPointId,
    string PModeId,
    string ContentType,
    byte[] Body,
    string SignedReferences,
    DateTimeOffset QueuedAt,
    int Pulls = 0);

/// <summary>
/// The AS4 pull queues (issue 5), persistent and shared by every node on the same store. A message stays pullable
/// (every pull hands out the same bytes) until its receipt completes it; completing removes it and records the
/// document's delivery in one transaction.
/// </summary>
public interface IAs4PullStore
{
    /// <summary>Queues <paramref name="message"/>; false (nothing changed) when its MessageId is already queued.</summary>
    Task<bool> EnqueueAsync(QueuedAs4Message message, CancellationToken cancellationToken);

    /// <summary>
    /// The oldest message of <paramref name="mpc"/> whose document is queued (its dispatch committed), counting the
    /// pull; null when the MPC is empty.
    /// </summary>
    Task<QueuedAs4Message?> PullAsync(string mpc, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The queued message with this MessageId, or null (never queued, or already completed).</summary>
    Task<QueuedAs4Message?> FindQueuedAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the message and records its document's progress with <paramref name="events"/>, in one transaction;
    /// false (nothing changed) when it is no longer queued (a duplicate receipt).
    /// </summary>
    Task<bool> CompletePulledAsync(string messageId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken);
}
