using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Receiving;

/// <summary>
/// Forgets received eb:MessageIds older than <see cref="As4Options.DuplicateRetention"/>, once at start and then every
/// hour (the retention is validated to outlast every P-Mode's retry horizon, so a resend always finds its first copy).
/// </summary>
public sealed partial class As4MessageIdPurge(IMessageIdStore messageIds, IOptions<As4Options> options, TimeProvider time, ILogger<As4MessageIdPurge> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>One purge; returns how many ids were forgotten.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await messageIds.PurgeAsync(time.GetUtcNow() - options.Value.DuplicateRetention, cancellationToken);
        if (removed > 0)
        {
            Purged(logger, removed, options.Value.DuplicateRetention.TotalDays);
        }
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                await PurgeOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                PurgeFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Forgot {Count} AS4 MessageIds older than {Days} days (duplicate elimination window).")]
    private static partial void Purged(ILogger logger, int count, double days);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "The AS4 MessageId purge failed; it runs again within the hour.")]
    private static partial void PurgeFailed(ILogger logger, Exception exception);
}
