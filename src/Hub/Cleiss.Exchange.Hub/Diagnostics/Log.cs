using Microsoft.Extensions.Logging;

namespace Cleiss.Exchange.Hub.Diagnostics;

/// <summary>
/// Every log message of the engine. Payloads and personal data are never logged: only hub ids,
/// SED types, institution ids (organisations) and error codes.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(HubEventIds.DocumentAccepted, LogLevel.Debug, "Accepted {Direction} document {DocumentId} ({SedType})")]
    public static partial void DocumentAccepted(ILogger logger, string direction, Guid documentId, string sedType);

    [LoggerMessage(HubEventIds.DocumentRejected, LogLevel.Information, "Rejected {Direction} document {DocumentId} at {Stage}: {Code}")]
    public static partial void DocumentRejected(ILogger logger, string direction, Guid documentId, string stage, string code);

    [LoggerMessage(HubEventIds.DuplicateAccepted, LogLevel.Information, "Re-sent document answered with existing id {DocumentId}")]
    public static partial void DuplicateAccepted(ILogger logger, Guid documentId);

    [LoggerMessage(HubEventIds.StageRetry, LogLevel.Warning, "Stage {Stage} will retry document {DocumentId} in {DelayMs} ms (attempt {Attempt}): {Code}")]
    public static partial void StageRetry(ILogger logger, string stage, Guid documentId, double delayMs, int attempt, string code);

    [LoggerMessage(HubEventIds.StageFailed, LogLevel.Warning, "Document {DocumentId} failed at {Stage}: {Code}")]
    public static partial void StageFailed(ILogger logger, Guid documentId, string stage, string code);

    [LoggerMessage(HubEventIds.StageCrashed, LogLevel.Error, "Stage {Stage} threw on document {DocumentId}")]
    public static partial void StageCrashed(ILogger logger, Exception exception, string stage, Guid documentId);

    [LoggerMessage(HubEventIds.WorkerStarted, LogLevel.Information, "Delivery worker started with {Members} member(s) of consumer group {Group}")]
    public static partial void WorkerStarted(ILogger logger, int members, string group);

    [LoggerMessage(HubEventIds.WorkerLoopFailed, LogLevel.Error, "Delivery worker loop for {Topic}/{Partition} failed; it restarts")]
    public static partial void WorkerLoopFailed(ILogger logger, Exception exception, string topic, int partition);

    [LoggerMessage(HubEventIds.CasesClosedByTimer, LogLevel.Information, "{Count} case(s) closed by their BUC timer")]
    public static partial void CasesClosedByTimer(ILogger logger, int count);

    [LoggerMessage(HubEventIds.SigningKeyCreated, LogLevel.Warning, "Created a new signing key for {AccessPointId} (key id {KeyId}) in {Folder}")]
    public static partial void SigningKeyCreated(ILogger logger, string accessPointId, string keyId, string folder);

    [LoggerMessage(HubEventIds.SigningKeyLoaded, LogLevel.Information, "Signing key for {AccessPointId} loaded (key id {KeyId})")]
    public static partial void SigningKeyLoaded(ILogger logger, string accessPointId, string keyId);

    [LoggerMessage(HubEventIds.TrustLoaded, LogLevel.Debug, "Trust store: {Count} partner certificate(s) from {Folder}")]
    public static partial void TrustLoaded(ILogger logger, int count, string folder);

    [LoggerMessage(HubEventIds.RevocationSoftFail, LogLevel.Warning, "Revocation status unknown for certificate {KeyId}, accepted by the soft-fail policy: {Reason}")]
    public static partial void RevocationSoftFail(ILogger logger, string keyId, string reason);

    [LoggerMessage(HubEventIds.RevocationUnavailable, LogLevel.Error, "Revocation status unknown for certificate {KeyId}, signature refused (hard-fail policy): {Reason}")]
    public static partial void RevocationUnavailable(ILogger logger, string keyId, string reason);

    [LoggerMessage(HubEventIds.DirectoryLoaded, LogLevel.Information, "Directory {Version}: {Institutions} institutions, {AccessPoints} access points")]
    public static partial void DirectoryLoaded(ILogger logger, string version, int institutions, int accessPoints);

    [LoggerMessage(HubEventIds.PacksLoaded, LogLevel.Information, "Validation pack {PackId} loaded with {SedTypes} SED types")]
    public static partial void PackLoaded(ILogger logger, string packId, int sedTypes);

    [LoggerMessage(HubEventIds.StoreOpened, LogLevel.Information, "Embedded store opened at {Path}")]
    public static partial void StoreOpened(ILogger logger, string path);

    [LoggerMessage(HubEventIds.StoreWriteFailed, LogLevel.Error, "Embedded store write failed")]
    public static partial void StoreWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(HubEventIds.CircuitOpened, LogLevel.Warning, "Circuit open for partner {AccessPointId}: no exchange is tried for {Seconds} s, documents wait")]
    public static partial void CircuitOpened(ILogger logger, string accessPointId, double seconds);

    [LoggerMessage(HubEventIds.CircuitClosed, LogLevel.Information, "Circuit closed for partner {AccessPointId}: exchanges resume")]
    public static partial void CircuitClosed(ILogger logger, string accessPointId);

    [LoggerMessage(HubEventIds.AuditCheckpointSigned, LogLevel.Debug, "Audit checkpoint signed at tree size {TreeSize} (key {KeyId})")]
    public static partial void AuditCheckpointSigned(ILogger logger, long treeSize, string keyId);

    [LoggerMessage(HubEventIds.AuditCheckpointMismatch, LogLevel.Critical, "The audit trail does not match its newest signed checkpoint (tree size {TreeSize}); no further checkpoint is signed. Run `cleiss audit verify`.")]
    public static partial void AuditCheckpointMismatch(ILogger logger, long treeSize);
}
