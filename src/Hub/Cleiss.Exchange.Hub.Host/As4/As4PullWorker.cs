using Cleiss.Exchange.Adapters.As4.Pulling;
using Cleiss.Exchange.Adapters.As4.Sending;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>
/// The pulling side of AS4 pull (issue 5): one loop per <c>Hub:As4:Pulls:N</c>. Each round sends a signed
/// PullRequest; a user message goes through the same receive path as a push (<see cref="As4ReceiveService"/>:
/// verification, duplicate elimination, intake) and the signed receipt, or error signal, is posted back to the
/// partner; after an accepted message it pulls again at once, otherwise (EBMS:0006, a failure, the partner
/// unreachable) it waits the pull's Interval.
/// </summary>
internal sealed class As4PullWorker(IOptions<As4Options> options, As4PullClient client, As4ReceiveService receive, TimeProvider time, ILogger<As4PullWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Pulls.Select(pull => LoopAsync(pull, stoppingToken)));

    private async Task LoopAsync(As4PullSettings pull, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var again = false;
            try
            {
                again = await PullOnceAsync(pull, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or System.Net.ProtocolViolationException)
            {
                HostLog.As4PullUnreachable(logger, pull.AccessPointId, ex.GetType().Name);
            }
            catch (Exception ex)
            {
                // The last line: the store is down or something broke. The loop (and the host) go on; a message that was
                // not acknowledged is still queued at the partner and comes again with the next pull.
                HostLog.As4PullRoundFailed(logger, ex, pull.AccessPointId);
            }
            if (!again)
            {
                try
                {
                    await Task.Delay(pull.Interval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One pull; true when a message was accepted (there may be more waiting).</summary>
    public async Task<bool> PullOnceAsync(As4PullSettings pull, CancellationToken cancellationToken)
    {
        var result = await client.PullAsync(pull, cancellationToken);
        if (result.Outcome == As4PullOutcome.Empty)
        {
            return false;
        }
        if (result.Outcome == As4PullOutcome.Failed)
        {
            HostLog.As4PullFailed(logger, pull.AccessPointId, result.Problem!);
            return false;
        }
        var answer = await receive.ReceiveUserMessageAsync(result.Message!, cancellationToken, pulled: true);
        // What a pushing partner would have had in its HTTP response: the receipt (proof of delivery), or the error.
        var status = await client.SendSignalAsync(pull, answer.SignedEnvelope!, cancellationToken);
        HostLog.As4PulledMessageAnswered(logger, pull.AccessPointId, answer.Status, status);
        return answer.Status == 200;
    }
}
