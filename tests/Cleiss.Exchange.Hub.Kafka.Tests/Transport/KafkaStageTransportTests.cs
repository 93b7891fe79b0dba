using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.Hub.Tests.Transport;
using Cleiss.Exchange.KafkaMockHost;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Transport;

/// <summary>The transport compliance suite on <see cref="KafkaStageTransport"/> against librdkafka's in-process mock cluster.</summary>
public sealed class KafkaStageTransportTests : StageTransportComplianceTests, IClassFixture<MockKafkaCluster>, IDisposable
{
    private readonly MockKafkaCluster _cluster;
    private readonly KafkaStageTransport _transport;

    public KafkaStageTransportTests(MockKafkaCluster cluster)
    {
        _cluster = cluster;
        _transport = new KafkaStageTransport(new KafkaOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            ClientId = "cleiss-hub-tests",
            DeliveryTimeout = TimeSpan.FromSeconds(20),
            SessionTimeout = TimeSpan.FromSeconds(10),
        });
    }

    protected override IStageTransport Transport => _transport;

    /// <summary>A member gets partitions from the group coordinator only after the join protocol, served while it polls.</summary>
    protected override bool AssignsOnSubscribe => false;

    protected override string NewTopic(int partitions)
    {
        var topic = "test." + Guid.NewGuid().ToString("N");
        _cluster.CreateTopic(topic, partitions);
        return topic;
    }

    [Fact]
    public void The_mock_brokers_listen_on_loopback_only()
    {
        Assert.All(_cluster.BootstrapServers.Split(','), b => Assert.StartsWith("127.0.0.1:", b, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_avro_stage_record_travels_keyed_by_its_case_id()
    {
        var topic = NewTopic(4);
        var codec = new AvroRecordCodec();
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, 250, TimeSpan.Zero);
        var record = new StageRecord(Guid.NewGuid(), Direction.Outbound, "FR-2026-000777", topic, "urn:uuid:5e1", new string('c', 64), null, "store:document/1", at, at);

        await Transport.PublishAsync(topic, record.CaseId, codec.Encode(record), CancellationToken.None);
        using var subscription = Transport.Subscribe(NewGroup(), [topic]);
        var message = Assert.Single(await DrainAsync(subscription, 1));

        Assert.Equal(record.CaseId, message.Key);
        Assert.Equal(record, codec.DecodeStage(message.Value));
    }

    public void Dispose() => _transport.Dispose();
}
