using System.Diagnostics;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>Receives the audit events of each transition, e.g. to buffer them or store them.</summary>
public interface ITransitionSink
{
    /// <summary>Called after every stage execution, with the events that describe it.</summary>
    ValueTask OnTransitionAsync(IStage stage, ExchangeContext context, StageOutcome outcome, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken);
}

/// <summary>How a run of a segment ended.</summary>
/// <param name="Kind">Continue (segment done, more to come), Completed, Queued (waits for an outside event), Rejected,
/// DeadLetter, or Retry (only when the caller parks retries: the stage is to run again after <paramref name="RetryAfter"/>).</param>
/// <param name="Error">The error, when not successful.</param>
/// <param name="Stage">The stage that decided.</param>
/// <param name="RetryAfter">For Retry: the wait before the next attempt.</param>
/// <param name="Attempt">For Retry: the attempt that failed.</param>
public readonly record struct RunResult(StageOutcomeKind Kind, ExchangeError? Error, string Stage, TimeSpan RetryAfter = default, int Attempt = 0);

/// <summary>
/// Runs the stages of a segment in order and acts on their outcomes (runs per message): times each
/// stage, opens one activity per stage, turns every transition into audit events, waits and retries
/// transient failures within the configured attempts, and is the last line of defence: a stage that
/// throws dead-letters its document and never stops the runner.
/// </summary>
public sealed class StageRunner(HubMetrics metrics, TimeProvider time, IOptions<DispatchOptions> retry, ILogger<StageRunner> logger)
{
    private readonly int _maxAttempts = retry.Value.MaxAttempts;

    /// <summary>
    /// Runs <paramref name="stages"/> from <paramref name="startIndex"/> up to (not including) <paramref name="endIndex"/>, or to
    /// the end. With <paramref name="parkRetries"/> a retry is returned to the caller (who parks the document in the
    /// durable outbox) instead of being waited for here; <paramref name="firstAttempt"/> numbers the first stage's attempt
    /// (a parked document resumes with the next one).
    /// </summary>
    public async ValueTask<RunResult> RunAsync(IReadOnlyList<IStage> stages, int startIndex, ExchangeContext context, ITransitionSink sink, CancellationToken cancellationToken, int? endIndex = null,
        bool parkRetries = false, int firstAttempt = 1)
    {
        var direction = context.Direction.ToWireName();
        var end = endIndex ?? stages.Count;
        for (var i = startIndex; i < end; i++)
        {
            var stage = stages[i];
            context.Attempt = i == startIndex ? Math.Max(1, firstAttempt) : 1;
            while (true)
            {
                context.ResetStageFacts();
                var outcome = await ExecuteGuardedAsync(stage, context, direction, cancellationToken);
                var giveUp = outcome.Kind == StageOutcomeKind.Retry && context.Attempt >= (outcome.MaxAttempts ?? _maxAttempts);
                if (giveUp)
                {
                    var last = outcome.Error!;
                    outcome = StageOutcome.DeadLetter(last with { Detail = $"Gave up after {context.Attempt} attempts: {last.Detail}" });
                }
                await sink.OnTransitionAsync(stage, context, outcome, EventsFor(stage, context, outcome), cancellationToken);

                switch (outcome.Kind)
                {
                    case StageOutcomeKind.Continue:
                        break;
                    case StageOutcomeKind.Retry:
                        Log.StageRetry(logger, stage.Name, context.DocumentId, outcome.RetryAfter.TotalMilliseconds, context.Attempt, outcome.Error!.Code);
                        if (parkRetries)
                        {
                            return new RunResult(StageOutcomeKind.Retry, outcome.Error, stage.Name, outcome.RetryAfter, context.Attempt);
                        }
                        await Task.Delay(outcome.RetryAfter, time, cancellationToken);
                        context.Attempt++;
                        continue;
                    case StageOutcomeKind.Rejected:
                        Log.DocumentRejected(logger, direction, context.DocumentId, stage.Name, outcome.Error!.Code);
                        return new RunResult(outcome.Kind, outcome.Error, stage.Name);
                    default:
                        if (outcome.Kind == StageOutcomeKind.DeadLetter)
                        {
                            Log.StageFailed(logger, context.DocumentId, stage.Name, outcome.Error!.Code);
                        }
                        return new RunResult(outcome.Kind, outcome.Error, stage.Name);
                }
                break;
            }
        }
        return new RunResult(StageOutcomeKind.Continue, null, end > 0 ? stages[end - 1].Name : string.Empty);
    }

    private async ValueTask<StageOutcome> ExecuteGuardedAsync(IStage stage, ExchangeContext context, string direction, CancellationToken cancellationToken)
    {
        using var activity = HubActivitySource.Instance.StartActivity(stage.Name);
        activity?.SetTag("hub.document.id", context.DocumentId);
        activity?.SetTag("hub.direction", direction);
        var started = Stopwatch.GetTimestamp();
        StageOutcome outcome;
        try
        {
            outcome = await stage.ExecuteAsync(context, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StageCrashed(logger, ex, stage.Name, context.DocumentId);
            outcome = StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.HubInternal, stage.Name, "The stage failed unexpectedly; the error is in the hub log."));
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        metrics.StageCompleted(stage.Name, direction, OutcomeName(outcome.Kind), outcome.Error?.Code, elapsed);
        if (outcome.Error is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Error.Code);
        }
        return outcome;
    }

    private List<NewAuditEvent> EventsFor(IStage stage, ExchangeContext context, StageOutcome outcome)
    {
        var at = time.GetUtcNow();
        var events = new List<NewAuditEvent>(context.ExtraEvents.Count + 1);
        foreach (var extra in context.ExtraEvents)
        {
            events.Add(new NewAuditEvent(context.DocumentId, at, stage.Name, extra.Event, null, extra.Facts));
        }
        var facts = new Dictionary<string, string>(context.Facts, StringComparer.Ordinal);
        string name;
        switch (outcome.Kind)
        {
            case StageOutcomeKind.Continue:
            case StageOutcomeKind.Completed:
                name = stage.CompletedEvent;
                break;
            case StageOutcomeKind.Retry:
                name = "retry-scheduled";
                facts["attempt"] = context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                facts["retryAfterMs"] = ((long)outcome.RetryAfter.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                facts["detail"] = outcome.Error!.Detail;
                break;
            case StageOutcomeKind.Queued:
                name = "queued";
                break;
            case StageOutcomeKind.Rejected:
                name = "rejected";
                facts["detail"] = outcome.Error!.Detail;
                break;
            default:
                name = "failed";
                facts["detail"] = outcome.Error!.Detail;
                break;
        }
        events.Add(new NewAuditEvent(context.DocumentId, at, stage.Name, name, outcome.Error?.Code, facts));
        return events;
    }

    private static string OutcomeName(StageOutcomeKind kind) => kind switch
    {
        StageOutcomeKind.Continue => "continue",
        StageOutcomeKind.Completed => "completed",
        StageOutcomeKind.Retry => "retry",
        StageOutcomeKind.Queued => "queued",
        StageOutcomeKind.Rejected => "rejected",
        _ => "dead_letter",
    };
}
