namespace Cleiss.Exchange.Hub.Storage;

/// <summary>A parked document the outbox will run again.</summary>
public sealed record OutboxEntry(Guid DocumentId, int Attempt);

/// <summary>
/// The durable outbox: a document whose delivery must be tried again later (a retry) waits here with its due time
/// and the attempt that failed, instead of holding up its stage-log partition; a later document of the same case
/// waits behind it, so a case keeps its order. Survives restarts.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Parks a document (or moves its due time and attempt when already parked, keeping its place in its case).</summary>
    Task ParkAsync(Guid documentId, string caseId, string accessPointId, DateTimeOffset dueAt, int attempt, CancellationToken cancellationToken);

    /// <summary>Takes a document out of the outbox (it reached an end state).</summary>
    Task UnparkAsync(Guid documentId, CancellationToken cancellationToken);

    Task<bool> IsParkedAsync(Guid documentId, CancellationToken cancellationToken);

    /// <summary>True when a document of the case waits in the outbox (a new one must wait behind it).</summary>
    Task<bool> IsCaseParkedAsync(string caseId, CancellationToken cancellationToken);

    /// <summary>The documents due by <paramref name="now"/> that are first of their case, earliest due first.</summary>
    Task<IReadOnlyList<OutboxEntry>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the entries <see cref="DueAsync"/> returns for this node to run: on a store several nodes share, their due
    /// time moves <paramref name="lease"/> ahead at once, so no other node runs them meanwhile, and a node that dies
    /// with them leaves them due again when the lease ends. (Running one re-parks or unparks it.)
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>How many documents wait, in all.</summary>
    Task<int> CountParkedAsync(CancellationToken cancellationToken);
}
