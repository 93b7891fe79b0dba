using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// The hub's state: documents, their audit trail (append-only), dedup by InstanceIdentifier and
/// institution inboxes. SQLite implements it in embedded mode; PostgreSQL will in cluster mode.
/// A write either completes durably or throws <see cref="HubStorageException"/>.
/// </summary>
public interface IHubStore : IDocumentStore
{
    /// <summary>Creates or upgrades the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Open cases whose timer is due, oldest first.</summary>
    Task<IReadOnlyList<CaseState>> GetCasesDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Closes a case whose timer is due, with a <c>case-closed</c> audit event on the document that started the
    /// timer, in one transaction; false (nothing changed) if the case moved on since it was read.
    /// </summary>
    Task<bool> CloseCaseByTimerAsync(CaseState state, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The failed documents with their last failure, oldest failure first.</summary>
    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken cancellationToken);

    /// <summary>Puts a failed document back on its stage log with <paramref name="auditEvent"/>; false when it is not failed.</summary>
    Task<bool> RequeueAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>Discards a failed document with <paramref name="auditEvent"/>; false when it is not failed.</summary>
    Task<bool> DiscardAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>Documents delivered to an institution and not yet acknowledged, oldest first.</summary>
    Task<IReadOnlyList<InboxItem>> GetInboxAsync(string institutionId, int limit, CancellationToken cancellationToken);

    /// <summary>Marks an inbox document acknowledged; false if it is not in that institution's inbox.</summary>
    Task<bool> AcknowledgeAsync(string institutionId, Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken);
}

/// <summary>
/// Documents from intake to their last stage: the intake commit (document, audit events, stage-log record and case
/// transition in one transaction), stage progress, and reads.
/// </summary>
public interface IDocumentStore : ICaseStore, IAuditTrailStore
{
    /// <summary>
    /// Stores an accepted document, its audit events and its stage-log record in one durable
    /// transaction; or, when a document with the same direction and InstanceIdentifier exists,
    /// stores nothing and returns the existing one.
    /// </summary>
    /// <remarks>With a <paramref name="caseTransition"/>, the case is created or updated in the same transaction, only if it
    /// still has the revision the transition was decided on; otherwise nothing is stored and the result says CaseConflict.</remarks>
    Task<IntakeCommitResult> CommitIntakeAsync(DocumentRecord document, IReadOnlyList<NewAuditEvent> events, string topic, CancellationToken cancellationToken, CaseTransition? caseTransition = null);

    /// <summary>Finds a document by direction and SBDH InstanceIdentifier (the dedup key).</summary>
    Task<IntakeCommitResult?> FindByInstanceAsync(Direction direction, string instanceIdentifier, string contentSha256, CancellationToken cancellationToken);

    /// <summary>Records a stage's effect on a document with its audit events, in one transaction.</summary>
    Task RecordProgressAsync(Guid documentId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken);

    /// <summary>Reads one document, or null.</summary>
    Task<DocumentRecord?> GetDocumentAsync(Guid documentId, CancellationToken cancellationToken);

    /// <summary>A document and its audit trail read from one consistent snapshot.</summary>
    Task<(DocumentRecord? Document, IReadOnlyList<AuditEventRecord> Events)> GetDocumentWithTrailAsync(Guid documentId, CancellationToken cancellationToken);
}

/// <summary>
/// The append-only audit trail with its SHA-256 hash chain (each row hashes the previous row's hash and its own
/// fields), the same chain on every store so a trail verifies wherever it is read.
/// </summary>
public interface IAuditTrailStore
{
    /// <summary>Appends audit events that belong to no stored document (rejections).</summary>
    Task AppendAuditAsync(IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken);

    /// <summary>Reads the audit trail of one document id, in order.</summary>
    Task<IReadOnlyList<AuditEventRecord>> GetAuditTrailAsync(Guid documentId, CancellationToken cancellationToken);

    /// <summary>Recomputes the audit hash chain; returns the sequence of the first bad entry, or null.</summary>
    Task<long?> VerifyAuditChainAsync(CancellationToken cancellationToken);
}

/// <summary>Read access to case state, what the case rules need.</summary>
public interface ICaseStore
{
    /// <summary>The state of a case, or null when the hub has never seen it.</summary>
    Task<CaseState?> GetCaseAsync(string caseId, CancellationToken cancellationToken);
}

/// <summary>
/// The log between stages: partitioned, ordered per partition, consumed with committed offsets.
/// Embedded mode keeps it in the SQLite store; cluster mode will use Kafka topics.
/// </summary>
public interface IStageLog
{
    /// <summary>Reads records after <paramref name="afterOffset"/>, in order.</summary>
    Task<IReadOnlyList<LogRecord>> ReadAsync(string topic, int partition, long afterOffset, int max, CancellationToken cancellationToken);

    /// <summary>The last committed offset of a consumer group (-1 if none).</summary>
    Task<long> GetCommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken);

    /// <summary>Commits an offset after its record's durable effect.</summary>
    Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken);

    /// <summary>Signalled when records are appended, so consumers need not poll hard.</summary>
    event Action<string, int>? Appended;
}

/// <summary>The store could not durably complete a write. Acceptance must stop (503), not acknowledge.</summary>
public sealed class HubStorageException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Storage failures may heal (disk back, lock released).</summary>
    public bool IsTransient { get; } = true;
}

/// <summary>What the duplicate-elimination store says about a received AS4 message id.</summary>
public enum MessageIdState
{
    /// <summary>First time: recorded now.</summary>
    New,

    /// <summary>Seen before with the same content: a resend; answer as before, deliver nothing again.</summary>
    Duplicate,

    /// <summary>Seen before with other content: never a silent duplicate; refuse and alert.</summary>
    Conflict,
}

/// <summary>The answer of <see cref="IMessageIdStore.RegisterAsync"/>: the state and the document first received under the id.</summary>
public sealed record MessageIdRegistration(MessageIdState State, Guid DocumentId);

/// <summary>
/// Duplicate elimination on AS4 eb:MessageId (issue 5), persistent and shared by every hub node using the
/// same store: the first receipt of an id records it with the SHA-256 of what was received; a later one is a
/// duplicate when the content is the same, a conflict otherwise. Kept until purged, which must be later than
/// the longest reception-awareness retry horizon of any partner.
/// </summary>
public interface IMessageIdStore
{
    /// <summary>Records <paramref name="messageId"/> for <paramref name="documentId"/>, or says what it was before (one transaction).</summary>
    Task<MessageIdRegistration> RegisterAsync(string messageId, string contentSha256, Guid documentId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Sets the document of an id recorded before its document existed (registered with <see cref="Guid.Empty"/>).</summary>
    Task AssignAsync(string messageId, Guid documentId, CancellationToken cancellationToken);

    /// <summary>What was first received under <paramref name="messageId"/> (content SHA-256 and document), or null.</summary>
    Task<(string ContentSha256, Guid DocumentId)?> FindAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Forgets ids first received before <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
