namespace Cleiss.Exchange.Hub.Host;

/// <summary>Log messages of the host (event ids 9xxx).</summary>
internal static partial class HostLog
{
    [LoggerMessage(9001, LogLevel.Warning, "The API is open: no Hub:Clients are configured, so any caller may send for any French institution and read its inbox.")]
    public static partial void ApiOpen(ILogger logger);

    [LoggerMessage(9002, LogLevel.Error, "AS4 MessageId conflict (S20): {MessageId} was received before with other content; the new message is refused. A replay with changed content or a forgery is possible.")]
    public static partial void As4MessageIdConflict(ILogger logger, string messageId);

    [LoggerMessage(9101, LogLevel.Information, "AS4 pull: document {DocumentId} handed out under P-Mode {PMode} (pull {Pulls}).")]
    public static partial void As4MessagePulled(ILogger logger, Guid documentId, string pmode, int pulls);

    [LoggerMessage(9102, LogLevel.Information, "AS4 pull: document {DocumentId} delivered (P-Mode {PMode}): the partner's receipt proves it.")]
    public static partial void As4PulledMessageDelivered(ILogger logger, Guid documentId, string pmode);

    [LoggerMessage(9103, LogLevel.Warning, "AS4 pull from {AccessPointId}: the partner could not be reached ({Error}); next pull after the interval.")]
    public static partial void As4PullUnreachable(ILogger logger, string accessPointId, string error);

    [LoggerMessage(9104, LogLevel.Warning, "AS4 pull from {AccessPointId} failed: {Problem}; next pull after the interval.")]
    public static partial void As4PullFailed(ILogger logger, string accessPointId, string problem);

    [LoggerMessage(9105, LogLevel.Information, "AS4 pull from {AccessPointId}: a message was received with status {Status}; the partner answered {SignalStatus} to the signal sent back.")]
    public static partial void As4PulledMessageAnswered(ILogger logger, string accessPointId, int status, int signalStatus);

    [LoggerMessage(9106, LogLevel.Warning, "AS4: an ebMS error signal {ErrorCode} arrived about message {RefToMessageId}; it stays queued.")]
    public static partial void As4ErrorSignalReceived(ILogger logger, string errorCode, string refToMessageId);

    [LoggerMessage(9107, LogLevel.Error, "AS4 pull from {AccessPointId}: the round failed; next pull after the interval.")]
    public static partial void As4PullRoundFailed(ILogger logger, Exception exception, string accessPointId);
}
