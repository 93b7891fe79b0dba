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
/// Consumes the stage log: one loop per topic partition, so documents of one case keep their order
/// while partitions run in parallel. For each record it resumes the document's delivery segment
/// after the last stage that completed durably, and commits the offset only after the document
/// reached an end state. After a crash the record is read again and the document resumes where it
/// stopped; the partner's dedup on the InstanceIdentifier absorbs a repeated dispatch.
/// </summary>
public sealed class DeliveryWorker(
    HubPipeline pipeline,
    StageRunner runner,
    IHubStore store,
    IStageLog log,
    TimeProvider time,
    IOptions<HubOptions> hub,
    IOptions<IntakeOptions> limits,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>The consumer group of the delivery segment.</summary>
    public const string ConsumerGroup = "hub.delivery";

    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private readonly int _partitions = hub.Value.Partitions;
    private readonly Dictionary<(string, int), SemaphoreSlim> _signals = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await store.InitializeAsync(stoppingToken);
        var loops = new List<Task>();
        foreach (var direction in new[] { Direction.Outbound, Direction.Inbound })
        {
            for (var p = 0; p < _partitions; p++)
            {
                _signals[(HubPipeline.Topic(direction), p)] = new SemaphoreSlim(0);
            }
        }
        log.Appended += OnAppended;
        Log.WorkerStarted(logger, _partitions);
        try
        {
            foreach (var direction in new[] { Direction.Outbound, Direction.Inbound })
            {
                for (var p = 0; p < _partitions; p++)
                {
                    loops.Add(ConsumeAsync(direction, p, stoppingToken));
                }
            }
            await Task.WhenAll(loops);
        }
        finally
        {
            log.Appended -= OnAppended;
        }
    }

    private void OnAppended(string topic, int partition)
    {
        if (_signals.TryGetValue((topic, partition), out var signal) && signal.CurrentCount == 0)
        {
            signal.Release();
        }
    }

    private async Task ConsumeAsync(Direction direction, int partition, CancellationToken stoppingToken)
    {
        var topic = HubPipeline.Topic(direction);
        var signal = _signals[(topic, partition)];
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var committed = await log.GetCommittedOffsetAsync(ConsumerGroup, topic, partition, stoppingToken);
                var batch = await log.ReadAsync(topic, partition, committed, 64, stoppingToken);
                if (batch.Count == 0)
                {
                    await signal.WaitAsync(IdlePoll, stoppingToken);
                    continue;
                }
                foreach (var record in batch)
                {
                    await ProcessGuardedAsync(direction, record.DocumentId, stoppingToken);
                    await log.CommitOffsetAsync(ConsumerGroup, topic, partition, record.Offset, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is unavailable or something unexpected broke: nothing was committed,
                // so the record is read again after a pause.
                Log.WorkerLoopFailed(logger, ex, topic, partition);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    /// <summary>
    /// A record that cannot be processed for a reason other than storage (a stored document that no
    /// longer parses, a bug) fails its document instead of stalling the partition: the last line of
    /// defence outside the stages. Storage failures propagate: nothing is committed, the record comes back.
    /// </summary>
    private async Task ProcessGuardedAsync(Direction direction, Guid documentId, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(direction, documentId, cancellationToken);
        }
        catch (Exception ex) when (ex is not HubStorageException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Log.StageCrashed(logger, ex, "resume", documentId);
            var facts = new Dictionary<string, string>(StringComparer.Ordinal) { ["detail"] = "The document could not be resumed; the error is in the hub log." };
            await store.RecordProgressAsync(documentId, new DocumentProgress(DocumentStatus.Failed, "resume"),
                [new NewAuditEvent(documentId, time.GetUtcNow(), "resume", "failed", ExchangeErrors.HubInternal, facts)], cancellationToken);
        }
    }

    private async Task ProcessAsync(Direction direction, Guid documentId, CancellationToken cancellationToken)
    {
        var record = await store.GetDocumentAsync(documentId, cancellationToken);
        if (record is null || record.Status is DocumentStatus.Delivered or DocumentStatus.Failed or DocumentStatus.Acknowledged)
        {
            return;
        }
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
        await runner.RunAsync(stages, start, context, new PersistingSink(store, record.Status, record.LastStage), cancellationToken);
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
