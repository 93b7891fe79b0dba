using Microsoft.Extensions.Logging;

// Event ids 69xx: the PostgreSQL store (6xxx is storage and audit, see Cleiss.Exchange.Hub HubEventIds).

namespace Cleiss.Exchange.Hub.Postgres;

internal static partial class Log
{
    [LoggerMessage(6901, LogLevel.Information, "PostgreSQL store: schema at version {Version} ({Applied} migration(s) applied now)")]
    public static partial void SchemaReady(ILogger logger, int version, int applied);

    [LoggerMessage(6902, LogLevel.Error, "PostgreSQL store operation failed")]
    public static partial void StoreFailed(ILogger logger, Exception exception);
}
