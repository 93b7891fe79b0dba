using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.Hub.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Kafka.Cluster;

/// <summary>Cluster mode's Kafka side: the stage transport, the relay from the store's log, the delivery feed.</summary>
public static class KafkaClusterServiceCollectionExtensions
{
    /// <summary>
    /// Call after <c>AddExchangeHub</c> and with a store that implements <see cref="Storage.IStageLogRelayStore"/>
    /// (PostgreSQL): accepted documents reach the delivery worker of whichever node holds their partition through
    /// Kafka (<c>Hub:Kafka</c>), relayed from the store by one node at a time.
    /// </summary>
    public static IServiceCollection AddKafkaCluster(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKafkaStageTransport();
        services.Replace(ServiceDescriptor.Singleton<IStageTransport>(sp => new KafkaStageTransport(sp.GetRequiredService<IOptions<KafkaOptions>>().Value)));
        services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaOptions>>().Value;
            var codec = sp.GetRequiredService<AvroRecordCodec>();
            return new DeliveryFeed([options.OutboundTopic, options.InboundTopic], options.ConsumerGroup, options.MembersPerNode,
                message => codec.DecodeStage(message.Value).DocumentId);
        }));
        services.AddHostedService<StageLogRelay>();
        return services;
    }
}
