using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Storage.Evidence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>Cluster mode's store: every store interface of the hub on one PostgreSQL database the nodes share.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Call after <c>AddExchangeHub</c>: replaces the embedded SQLite store by <see cref="PostgresHubStore"/> on
    /// <c>Hub:Postgres:ConnectionString</c> (required, checked at start).
    /// </summary>
    public static IServiceCollection AddPostgresHubStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PostgresStoreOptions>().BindConfiguration(PostgresStoreOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PostgresHubStore>();
        Use<IHubStore>(services);
        Use<IStageLog>(services);
        Use<ICaseStore>(services);
        Use<IMessageIdStore>(services);
        Use<IAuditLedgerStore>(services);
        Use<IOutboxStore>(services);
        Use<IEvidenceStore>(services);
        Use<IAs4PullStore>(services);
        Use<IStageLogRelayStore>(services);
        return services;
    }

    private static void Use<TService>(IServiceCollection services) where TService : class =>
        services.Replace(ServiceDescriptor.Singleton<TService>(sp => (TService)(object)sp.GetRequiredService<PostgresHubStore>()));
}
