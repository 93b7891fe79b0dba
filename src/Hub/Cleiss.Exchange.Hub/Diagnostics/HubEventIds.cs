namespace Cleiss.Exchange.Hub.Diagnostics;

/// <summary>Log event ids, in ranges by stage (1xxx ingest … 6xxx audit, 9xxx hosting). A test keeps them unique.</summary>
internal static class HubEventIds
{
    public const int DocumentAccepted = 1001;
    public const int DocumentRejected = 1002;
    public const int DuplicateAccepted = 1003;
    public const int StageRetry = 2002;
    public const int StageFailed = 2003;
    public const int StageCrashed = 2004;
    public const int WorkerStarted = 2101;
    public const int WorkerLoopFailed = 2102;
    public const int CasesClosedByTimer = 2301;
    public const int SigningKeyCreated = 4001;
    public const int SigningKeyLoaded = 4002;
    public const int TrustLoaded = 4003;
    public const int RevocationSoftFail = 4004;
    public const int RevocationUnavailable = 4005;
    public const int DirectoryLoaded = 3001;
    public const int PacksLoaded = 2201;
    public const int StoreOpened = 6001;
    public const int StoreWriteFailed = 6002;
    public const int CircuitOpened = 2401;
    public const int CircuitClosed = 2402;
    public const int AuditCheckpointSigned = 6101;
    public const int AuditCheckpointMismatch = 6102;
}
