using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Kafka.Configuration;

/// <summary>Registers the Kafka stage transport for cluster mode (not called by the hub yet: ADR 0014).</summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Hub:Kafka</c> (validated at start by <see cref="KafkaOptionsValidator"/>) and registers one
    /// <see cref="IStageTransport"/> (a shared idempotent producer) and the <see cref="AvroRecordCodec"/>.
    /// </summary>
    public static IServiceCollection AddKafkaStageTransport(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.TryAddSingleton(_ => new AvroRecordCodec());
        services.TryAddSingleton<IStageTransport>(sp => new KafkaStageTransport(sp.GetRequiredService<IOptions<KafkaOptions>>().Value));
        return services;
    }
}
