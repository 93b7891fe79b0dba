using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;

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

    public void Dispose() => _transport.Dispose();
}
