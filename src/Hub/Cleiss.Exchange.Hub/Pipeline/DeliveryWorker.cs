using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// Consumes the accepted documents from the stage transport (<see cref="DeliveryFeed"/>: the embedded log, or Kafka in
/// cluster mode) as members of one consumer group, each handling one record at a time, so documents of one case keep
/// their order while partitions run in parallel. For each record it resumes the document's delivery segment after the
/// last stage that completed durably, and the offset is committed only after the document reached an end state or was
/// parked in the outbox. After a crash or a rebalance the record is handed out again and the document resumes where it
/// stopped; the partner's dedup on the InstanceIdentifier absorbs a repeated dispatch.
/// </summary>
public sealed class DeliveryWorker(
    HubPipeline pipeline,
    StageRunner runner,
    IHubStore store,
    TimeProvider time,
    IOptions<IntakeOptions> limits,
    IOutboxStore outbox,
    IOptions<DispatchOptions> dispatch,
    ILogger<DeliveryWorker> logger,
    IStageTransport transport,
    DeliveryFeed feed) : BackgroundService
{
    /// <summary>The consumer group of the delivery segment.</summary>
    public const string ConsumerGroup = "hub.delivery";

    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OutboxPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a claimed outbox entry is this node's: twice the partner exchange timeout plus a margin, so an exchange
    /// in progress is never taken over, and a node that died leaves its entries due again soon after.
    /// </summary>
    private readonly TimeSpan _outboxLease = 2 * dispatch.Value.Timeout + TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await store.InitializeAsync(stoppingToken);
        Log.WorkerStarted(logger, feed.Members, feed.Group);
        var loops = new List<Task>();
        for (var m = 0; m < feed.Members; m++)
        {
            loops.Add(feed.BlocksWhileWaiting
                ? Task.Factory.StartNew(() => RunMemberAsync(blocking: true, stoppingToken).GetAwaiter().GetResult(), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.Run(() => RunMemberAsync(blocking: false, stoppingToken), stoppingToken));
        }
        loops.Add(DrainOutboxAsync(stoppingToken));
        await Task.WhenAll(loops);
    }

    /// <summary>
    /// One member of the feed's group. <paramref name="blocking"/>: the transport blocks while it waits (Kafka's
    /// consumer does), so the member runs on a thread of its own and never awaits; otherwise it is a plain async loop.
    /// </summary>
    private async Task RunMemberAsync(bool blocking, CancellationToken stoppingToken)
    {
        using var subscription = transport.Subscribe(feed.Group, feed.Topics);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The record's offset is committed only after the document reached an end state or was parked.
                var next = subscription.HandleNextAsync((message, token) => ProcessGuardedAsync(feed.DocumentId(message), null, token), IdlePoll, stoppingToken);
                if (blocking)
                {
                    next.GetAwaiter().GetResult();
                }
                else
                {
                    await next;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store or the log is unavailable: nothing was committed, so the record comes again after a pause.
                Log.WorkerLoopFailed(logger, ex, feed.Group, 0);
                if (blocking)
                {
                    stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                }
                else
                {
                    await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken));
                }
            }
        }
    }

    /// <summary>
    /// The durable outbox: documents parked for a retry (or behind one of their case) run again when due, the first of
    /// each case only, several at once (the per-partner limits and circuit breakers apply in the dispatch stage). A
    /// partner that is down thus holds up only its own documents, never the partition they came through.
    /// </summary>
    private async Task DrainOutboxAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await outbox.ClaimDueAsync(time.GetUtcNow(), 32, _outboxLease, stoppingToken);
                if (due.Count == 0)
                {
                    await Task.Delay(OutboxPoll, time, stoppingToken);
                    continue;
                }
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stoppingToken },
                    async (entry, token) => await ProcessGuardedAsync(entry.DocumentId, entry, token));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WorkerLoopFailed(logger, ex, "outbox", 0);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    /// <summary>
    /// A record that cannot be processed for a reason other than storage (a stored document that no
    /// longer parses, a bug) fails its document instead of stalling the partition: the last line of
    /// defence outside the stages. Storage failures propagate: nothing is committed, the record comes back.
    /// </summary>
    private async Task ProcessGuardedAsync(Guid documentId, OutboxEntry? parked, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(documentId, parked, cancellationToken);
        }
        catch (Exception ex) when (ex is not HubStorageException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Log.StageCrashed(logger, ex, "resume", documentId);
            var facts = new Dictionary<string, string>(StringComparer.Ordinal) { ["detail"] = "The document could not be resumed; the error is in the hub log." };
            await store.RecordProgressAsync(documentId, new DocumentProgress(DocumentStatus.Failed, "resume"),
                [new NewAuditEvent(documentId, time.GetUtcNow(), "resume", "failed", ExchangeErrors.HubInternal, facts)], cancellationToken);
            if (parked is not null)
            {
                await outbox.UnparkAsync(documentId, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs the document's delivery segment from after its last completed stage. A retry parks it in the outbox with
    /// its due time (a parked one moves on to its next attempt there); a document whose case has one parked waits
    /// behind it, so a case keeps its order; one the outbox owns is left to it.
    /// </summary>
    private async Task ProcessAsync(Guid documentId, OutboxEntry? parked, CancellationToken cancellationToken)
    {
        if (parked is null && await outbox.IsParkedAsync(documentId, cancellationToken))
        {
            return;
        }
        var record = await store.GetDocumentAsync(documentId, cancellationToken);
        if (record is null || record.Status is DocumentStatus.Delivered or DocumentStatus.Failed or DocumentStatus.Acknowledged or DocumentStatus.Discarded)
        {
            if (parked is not null)
            {
                await outbox.UnparkAsync(documentId, cancellationToken);
            }
            return;
        }
        if (parked is null && await outbox.IsCaseParkedAsync(record.CaseId, cancellationToken))
        {
            await outbox.ParkAsync(record.Id, record.CaseId, record.AccessPointId, time.GetUtcNow(), 0, cancellationToken);
            return;
        }
        var direction = record.Direction;
        var context = new ExchangeContext(record.Id, record.Direction, record.Payload)
        {
            Document = HardenedXml.TryLoad(record.Payload, limits.Value, "resume", out _)
                ?? throw new InvalidOperationException($"Stored document {record.Id} no longer parses."),
            PackId = record.PackId,
            Route = new RouteDecision(record.ReceiverId, record.AccessPointId, record.Endpoint is null ? null : new Uri(record.Endpoint), "stored route"),
            SignedPayload = record.SignedPayload,
        };
        context.Header = SbdhReader.TryRead(context.Document, out _, out _);
        var stages = pipeline.Delivery(direction);
        var start = 0;
        for (var i = 0; i < stages.Count; i++)
        {
            if (stages[i].Name == record.LastStage)
            {
                start = i + 1;
            }
        }
        if (start > 0 && record.SignedPayload is not null && direction == Direction.Outbound)
        {
            // Signed before a restart: dispatch exactly the bytes that were signed and stored.
            context.SignedPayload = record.SignedPayload;
        }
        var result = await runner.RunAsync(stages, start, context, new PersistingSink(store, record.Status, record.LastStage), cancellationToken,
            parkRetries: true, firstAttempt: (parked?.Attempt ?? 0) + 1);
        if (result.Kind == StageOutcomeKind.Retry)
        {
            await outbox.ParkAsync(record.Id, record.CaseId, record.AccessPointId, time.GetUtcNow() + result.RetryAfter, result.Attempt, cancellationToken);
        }
        else if (parked is not null)
        {
            await outbox.UnparkAsync(record.Id, cancellationToken);
        }
    }

    /// <summary>Stores each transition of the delivery segment as it happens.</summary>
    private sealed class PersistingSink(IHubStore store, string status, string? lastStage) : ITransitionSink
    {
        private string _status = status;
        private string? _lastStage = lastStage;

        public async ValueTask OnTransitionAsync(IStage stage, ExchangeContext context, StageOutcome outcome, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
        {
            byte[]? signed = null;
            switch (outcome.Kind)
            {
                case StageOutcomeKind.Continue:
                    _lastStage = stage.Name;
                    if (stage.Name == "sign")
                    {
                        _status = DocumentStatus.Signed;
                        signed = context.SignedPayload?.ToArray();
                    }
                    break;
                case StageOutcomeKind.Completed:
                    _lastStage = stage.Name;
                    _status = DocumentStatus.Delivered;
                    break;
                case StageOutcomeKind.Queued:
                    // Waits for the partner's pull and receipt (AS4 pull): the receipt handler completes it. Resuming
                    // after this stage runs nothing, so a re-read record does not queue it twice.
                    _lastStage = stage.Name;
                    _status = DocumentStatus.Queued;
                    break;
                case StageOutcomeKind.Rejected:
                case StageOutcomeKind.DeadLetter:
                    _status = DocumentStatus.Failed;
                    break;
            }
            await store.RecordProgressAsync(context.DocumentId, new DocumentProgress(_status, _lastStage ?? stage.Name, signed, context.ReceiptId), events, cancellationToken);
        }
    }
}
