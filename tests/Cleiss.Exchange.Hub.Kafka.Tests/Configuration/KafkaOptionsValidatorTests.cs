using Cleiss.Exchange.Hub.Kafka.Configuration;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Configuration;

public sealed class KafkaOptionsValidatorTests
{
    private readonly KafkaOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_with_brokers_are_valid()
    {
        Assert.True(_validator.Validate(null, new KafkaOptions { BootstrapServers = "kafka-1:9092,kafka-2:9092" }).Succeeded);
    }

    [Fact]
    public void Brokers_are_required()
    {
        Assert.Contains("BootstrapServers", _validator.Validate(null, new KafkaOptions()).FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hub outbound")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("hub/outbound")]
    public void Illegal_topic_names_are_refused(string topic)
    {
        Assert.True(_validator.Validate(null, new KafkaOptions { BootstrapServers = "k:9092", OutboundTopic = topic }).Failed);
    }

    [Fact]
    public void A_topic_used_twice_is_refused()
    {
        var result = _validator.Validate(null, new KafkaOptions { BootstrapServers = "k:9092", AuditTopic = "hub.dead-letter" });

        Assert.Contains("distinct", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(12, 0)]
    public void Partition_and_replica_counts_must_be_positive(int partitions, short replicas)
    {
        Assert.True(_validator.Validate(null, new KafkaOptions { BootstrapServers = "k:9092", Partitions = partitions, ReplicationFactor = replicas }).Failed);
    }

    [Theory]
    [InlineData("enable.idempotence")]
    [InlineData("acks")]
    [InlineData("enable.auto.commit")]
    public void Settings_the_guarantees_rest_on_cannot_be_overridden(string key)
    {
        var options = new KafkaOptions { BootstrapServers = "k:9092", Client = { [key] = "false" } };

        Assert.True(_validator.Validate(null, options).Failed);
    }

    [Fact]
    public void Pass_through_client_settings_are_allowed()
    {
        var options = new KafkaOptions { BootstrapServers = "k:9092", Client = { ["security.protocol"] = "SASL_SSL" } };

        Assert.True(_validator.Validate(null, options).Succeeded);
    }
}
