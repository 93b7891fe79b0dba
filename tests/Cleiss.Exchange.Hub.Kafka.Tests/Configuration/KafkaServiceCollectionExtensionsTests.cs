using Cleiss.Exchange.Hub.Kafka.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Configuration;

public sealed class KafkaServiceCollectionExtensionsTests
{
    [Fact]
    public void Hub_Kafka_binds_from_configuration()
    {
        using var provider = Build(new()
        {
            ["Hub:Kafka:BootstrapServers"] = "kafka-1:9092",
            ["Hub:Kafka:Partitions"] = "24",
            ["Hub:Kafka:AuditTopic"] = "eessi.audit",
            ["Hub:Kafka:Client:security.protocol"] = "SASL_SSL",
        });

        var options = provider.GetRequiredService<IOptions<KafkaOptions>>().Value;

        Assert.Equal("kafka-1:9092", options.BootstrapServers);
        Assert.Equal(24, options.Partitions);
        Assert.Equal("eessi.audit", options.AuditTopic);
        Assert.Equal("SASL_SSL", options.Client["security.protocol"]);
    }

    [Fact]
    public void Invalid_settings_are_refused_when_read()
    {
        using var provider = Build(new() { ["Hub:Kafka:BootstrapServers"] = "kafka-1:9092", ["Hub:Kafka:Client:enable.idempotence"] = "false" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KafkaOptions>>().Value);

        Assert.Contains("enable.idempotence", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddKafkaStageTransport();
        return services.BuildServiceProvider();
    }
}
