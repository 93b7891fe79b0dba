namespace Cleiss.Exchange.Hub.Host;

/// <summary>Log messages of the host (event ids 9xxx).</summary>
internal static partial class HostLog
{
    [LoggerMessage(9001, LogLevel.Warning, "The API is open: no Hub:Clients are configured, so any caller may send for any French institution and read its inbox.")]
    public static partial void ApiOpen(ILogger logger);

    [LoggerMessage(9002, LogLevel.Error, "AS4 MessageId conflict (S20): {MessageId} was received before with other content; the new message is refused. A replay with changed content or a forgery is possible.")]
    public static partial void As4MessageIdConflict(ILogger logger, string messageId);
}
