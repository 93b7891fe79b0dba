using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// Applies the BUC files' closing timers (e.g. an LA_BUC_01 case closes 60 days after an A011): every
/// sweep interval, open cases whose timer is due are closed, each with a <c>case-closed</c> audit event.
/// The due time is stored with the case when the listed SED is accepted, so a restart loses nothing.
/// </summary>
public sealed class CaseTimerService(IHubStore store, TimeProvider time, IOptions<CaseOptions> options, ILogger<CaseTimerService> logger) : BackgroundService
{
    private const int BatchSize = 500;

    /// <summary>Closes every due case now; returns how many were closed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var closed = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            var due = await store.GetCasesDueAsync(now, BatchSize, cancellationToken);
            foreach (var state in due)
            {
                if (await store.CloseCaseByTimerAsync(state, now, cancellationToken))
                {
                    closed++;
                }
            }
            if (due.Count < BatchSize)
            {
                return closed;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TimerSweepInterval, time);
        try
        {
            do
            {
                try
                {
                    var closed = await SweepAsync(stoppingToken);
                    if (closed > 0)
                    {
                        Log.CasesClosedByTimer(logger, closed);
                    }
                }
                catch (HubStorageException ex)
                {
                    Log.WorkerLoopFailed(logger, ex, "cases", 0);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
