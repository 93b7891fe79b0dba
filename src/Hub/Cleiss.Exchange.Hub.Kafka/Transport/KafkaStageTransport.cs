using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Confluent.Kafka;

namespace Cleiss.Exchange.Hub.Kafka.Transport;

/// <summary>
/// <see cref="IStageTransport"/> on Apache Kafka: one idempotent producer (acks=all, so a retried send is
/// neither lost nor duplicated nor reordered) shared by the node; records keyed by case id with the
/// Java-compatible murmur2 partitioner, so every client puts a case on the same partition.
/// </summary>
public sealed class KafkaStageTransport : IStageTransport, IDisposable
{
    private readonly KafkaOptions _options;
    private readonly IProducer<string, byte[]> _producer;

    public KafkaStageTransport(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new KafkaOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }
        _options = options;
        var config = new ProducerConfig(new Dictionary<string, string>(options.Client))
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            MaxInFlight = 5,
            Partitioner = Partitioner.Murmur2Random,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
        };
        _producer = new ProducerBuilder<string, byte[]>(config).Build();
    }

    public async Task<StagePosition> PublishAsync(string topic, string key, byte[] value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var result = await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
        if (result.Status != PersistenceStatus.Persisted)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Record on {topic} not acknowledged by the brokers ({result.Status})."));
        }
        return new StagePosition(result.Topic, result.Partition.Value, result.Offset.Value);
    }

    public IStageSubscription Subscribe(string group, IReadOnlyList<string> topics)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(topics);
        var config = new ConsumerConfig(new Dictionary<string, string>(_options.Client))
        {
            BootstrapServers = _options.BootstrapServers,
            ClientId = _options.ClientId,
            GroupId = group,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
        };
        return new KafkaStageSubscription(config, topics);
    }

    /// <summary>Waits for records still in flight (up to the delivery timeout), then closes the producer.</summary>
    public void Dispose()
    {
        _producer.Flush(_options.DeliveryTimeout);
        _producer.Dispose();
    }
}
