using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// Event ids 71xx: cluster mode on Kafka (6xxx is storage and audit, 69xx the PostgreSQL store).

namespace Cleiss.Exchange.Hub.Kafka.Cluster;

/// <summary>
/// Cluster mode's outbox relay: the intake commits each accepted document with its stage-log record in PostgreSQL
/// (one transaction, so an acknowledged document is never lost), and the one node that leads relays those records to
/// Kafka as Avro <see cref="StageRecord"/>s keyed by case id, in offset order per partition, then commits how far it got.
/// A crash between the brokers' acknowledgement and that commit publishes the records again; the delivery consumers
/// absorb them (a document at an end state is not run again). The other nodes wait to take over the lead.
/// </summary>
public sealed partial class StageLogRelay(
    IStageLogRelayStore relayStore,
    IStageLog log,
    IStageTransport transport,
    AvroRecordCodec codec,
    IOptions<KafkaOptions> kafka,
    IOptions<HubOptions> hub,
    TimeProvider time,
    ILogger<StageLogRelay> logger) : BackgroundService
{
    /// <summary>The group under which the relay commits its offsets in the store's stage log.</summary>
    public const string Group = IStageLogRelayStore.KafkaRelayGroup;

    /// <summary>Where the relay records the last audit sequence number it published (group, topic; partition 0).</summary>
    public const string AuditGroup = IStageLogRelayStore.KafkaAuditRelayGroup;
    private const string AuditCursor = "audit";
    private const int AuditBatch = 512;

    private const string LeadName = "cleiss.relay.kafka";
    private const int BatchPerPartition = 256;
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FollowerPoll = TimeSpan.FromSeconds(1);

    /// <summary>The last audit sequence number published, kept while this node leads (only the leader moves it).</summary>
    private long? _auditCursor;

    private readonly StagePartition[] _partitions =
    [
        .. Enumerable.Range(0, hub.Value.Partitions).Select(p => new StagePartition(HubPipeline.OutboundTopic, p)),
        .. Enumerable.Range(0, hub.Value.Partitions).Select(p => new StagePartition(HubPipeline.InboundTopic, p)),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lease = await relayStore.TryLeadAsync(LeadName, stoppingToken);
                if (lease is null)
                {
                    await Task.Delay(FollowerPoll, time, stoppingToken);
                    continue;
                }
                LogLeading(logger);
                _auditCursor = null; // another leader may have moved it: read it again once
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await RelayOnceAsync(stoppingToken) + await RelayAuditAsync(stoppingToken) == 0)
                    {
                        await lease.WaitForAppendAsync(IdleWait, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database or the brokers failed: step down (the lock goes with the session), retry after a pause.
                LogRelayFailed(logger, ex);
                await Task.Delay(FollowerPoll, time, stoppingToken);
            }
        }
    }

    /// <summary>Publishes what is not on Kafka yet (all partitions in one read), then commits each partition's offset.</summary>
    internal async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var records = await relayStore.ReadUnrelayedAsync(Group, _partitions, BatchPerPartition, cancellationToken);
        if (records.Count == 0)
        {
            return 0;
        }
        var producedAt = time.GetUtcNow();
        // Produce calls are queued in call order and the producer is idempotent, so a partition's order holds.
        var sends = new Task[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var topic = KafkaTopic(record.Topic);
            sends[i] = transport.PublishAsync(topic, record.CaseId, codec.Encode(ToStageRecord(record, topic, producedAt)), cancellationToken);
        }
        await Task.WhenAll(sends);
        foreach (var last in records.GroupBy(r => (r.Topic, r.Partition)).Select(g => g.Last()))
        {
            await log.CommitOffsetAsync(Group, last.Topic, last.Partition, last.Offset, cancellationToken);
        }
        return records.Count;
    }

    /// <summary>
    /// Publishes the audit events not on Kafka yet to the audit topic (keyed by case id, or by document id for a rejection
    /// that stored no document), and the documents they fail to the dead-letter topic, then records the last sequence
    /// number. The event id is derived from the row's chain hash, so a repeated publication has the same id.
    /// </summary>
    internal async Task<int> RelayAuditAsync(CancellationToken cancellationToken)
    {
        var after = _auditCursor ??= await log.GetCommittedOffsetAsync(AuditGroup, AuditCursor, 0, cancellationToken);
        var events = await relayStore.ReadAuditForRelayAsync(Math.Max(after, 0), AuditBatch, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }
        var options = kafka.Value;
        var producedAt = time.GetUtcNow();
        var sends = new List<Task>(events.Count);
        foreach (var e in events)
        {
            var key = e.Document?.CaseId ?? e.DocumentId.ToString();
            var message = new AuditEventMessage(new Guid(Convert.FromHexString(e.Hash.AsSpan(0, 32))), e.Document is null ? null : e.DocumentId,
                e.Document?.CaseId, e.Stage, e.Event, e.Code, Environment.MachineName, e.At);
            sends.Add(transport.PublishAsync(options.AuditTopic, key, codec.Encode(message), cancellationToken));
            if (e.Document is { } failed && e.Event is "failed" or "rejected")
            {
                sends.Add(transport.PublishAsync(options.DeadLetterTopic, failed.CaseId, codec.Encode(ToStageRecord(failed, options.DeadLetterTopic, producedAt)), cancellationToken));
            }
        }
        await Task.WhenAll(sends);
        await log.CommitOffsetAsync(AuditGroup, AuditCursor, 0, events[^1].Seq, cancellationToken);
        _auditCursor = events[^1].Seq;
        return events.Count;
    }

    private string KafkaTopic(string storeTopic) =>
        storeTopic == HubPipeline.OutboundTopic ? kafka.Value.OutboundTopic : kafka.Value.InboundTopic;

    /// <summary>The document stays in the store: the record refers to it (the payload is not copied to the brokers).</summary>
    private static StageRecord ToStageRecord(RelayRecord record, string topic, DateTimeOffset producedAt) =>
        new(record.DocumentId, record.Direction, record.CaseId, topic, record.InstanceIdentifier, record.ContentSha256,
            Payload: null, PayloadRef: $"store:document/{record.DocumentId}", record.AcceptedAt, producedAt);

    [LoggerMessage(7101, LogLevel.Information, "This node now relays the stage log to Kafka")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(7102, LogLevel.Error, "The stage-log relay failed; it steps down and tries again")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
