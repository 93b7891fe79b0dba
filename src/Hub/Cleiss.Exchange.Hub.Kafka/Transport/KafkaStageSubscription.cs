using Cleiss.Exchange.Hub.Abstractions;
using Confluent.Kafka;

namespace Cleiss.Exchange.Hub.Kafka.Transport;

/// <summary>
/// A consumer-group member with manual offsets: the offset after a record is committed synchronously,
/// and only after the handler's durable effect. Not thread-safe: one loop per subscription.
/// </summary>
internal sealed class KafkaStageSubscription : IStageSubscription
{
    private readonly IConsumer<string, byte[]> _consumer;
    private bool _disposed;

    public KafkaStageSubscription(ConsumerConfig config, IReadOnlyList<string> topics)
    {
        _consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        _consumer.Subscribe(topics);
    }

    public IReadOnlyList<StagePartition> Assignment
    {
        get
        {
            var assigned = _consumer.Assignment;
            var result = new StagePartition[assigned.Count];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = new StagePartition(assigned[i].Topic, assigned[i].Partition.Value);
            }
            return result;
        }
    }

    public async Task<bool> HandleNextAsync(Func<StageMessage, CancellationToken, Task> handler, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var result = _consumer.Consume(timeout);
        if (result is null || result.IsPartitionEOF)
        {
            return false;
        }
        var message = new StageMessage(
            result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key ?? "",
            result.Message.Value ?? [], result.Message.Timestamp.UtcDateTime);
        try
        {
            await handler(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // No commit: rewind so this record (not the next one) is handed out again.
            _consumer.Seek(result.TopicPartitionOffset);
            throw;
        }
        try
        {
            _consumer.Commit([new TopicPartitionOffset(result.TopicPartition, result.Offset + 1)]);
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId)
        {
            // The group moved the partition while the handler ran: the new holder hands the record out again from the
            // last commit (at least once), which the handler's idempotent effect absorbs. Nothing is lost.
        }
        return true;
    }

    /// <summary>Leaves the group (its partitions go to the other members at once), then frees the client.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            _consumer.Close();
        }
        finally
        {
            _consumer.Dispose();
        }
    }
}
