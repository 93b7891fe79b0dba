using Cleiss.Exchange.Hub.Kafka.Configuration;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cleiss.Exchange.Hub.Kafka.Transport;

/// <summary>
/// Creates the hub's topics with the configured partition and replica counts when they do not exist yet.
/// Existing topics are left as they are. (librdkafka's mock cluster has no CreateTopics: tests create
/// topics through the mock API instead.)
/// </summary>
public static class KafkaTopicProvisioner
{
    public static async Task EnsureTopicsAsync(KafkaOptions options, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AdminClientConfig(new Dictionary<string, string>(options.Client)) { BootstrapServers = options.BootstrapServers, ClientId = options.ClientId };
        using var admin = new AdminClientBuilder(config).Build();
        var specifications = new List<TopicSpecification>();
        foreach (var topic in options.AllTopics)
        {
            specifications.Add(new TopicSpecification { Name = topic, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor });
        }
        try
        {
            await admin.CreateTopicsAsync(specifications, new CreateTopicsOptions { OperationTimeout = timeout, RequestTimeout = timeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException e)
        {
            foreach (var report in e.Results)
            {
                if (report.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
                {
                    throw;
                }
            }
        }
    }
}
