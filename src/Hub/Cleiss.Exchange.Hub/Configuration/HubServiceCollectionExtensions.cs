using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Stages.Delivery;
using Cleiss.Exchange.Hub.Stages.Dispatch;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Signing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Stages.Verification;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Registers the hub engine on the embedded default (SQLite store and stage log).</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine. The caller supplies an <see cref="Abstractions.IPartnerTransport"/> (the
    /// partner exchange adapter). Options bind from configuration and are validated at start.
    /// </summary>
    public static IServiceCollection AddExchangeHub(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.SectionName).ValidateOnStart();
        services.AddOptions<IntakeOptions>().BindConfiguration(IntakeOptions.SectionName).ValidateOnStart();
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.SectionName).ValidateOnStart();
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName).ValidateOnStart();
        services.AddOptions<TrustOptions>().BindConfiguration(TrustOptions.SectionName)
            .Validate(o => o.CrlFetchTimeout > TimeSpan.Zero && o.MaxCrlBytes > 0, "Hub:Trust:CrlFetchTimeout and MaxCrlBytes must be positive.").ValidateOnStart();
        services.AddOptions<SigningOptions>().BindConfiguration(SigningOptions.SectionName)
            .Validate(o => o.Keys.TrueForAll(k => k.Owner.Length > 0 && k.Certificate.Length > 0), "Hub:Signing:Keys: every key needs an Owner and a Certificate.").ValidateOnStart();
        services.AddOptions<ValidationOptions>().BindConfiguration(ValidationOptions.SectionName);
        services.AddOptions<CaseOptions>().BindConfiguration(CaseOptions.SectionName)
            .Validate(o => o.TimerSweepInterval > TimeSpan.Zero, "Hub:Cases:TimerSweepInterval must be positive.").ValidateOnStart();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName)
            .Validate(o => o.CheckpointEveryEntries > 0 && o.CheckpointInterval > TimeSpan.Zero && o.CheckpointPoll > TimeSpan.Zero,
                "Hub:Audit:CheckpointEveryEntries, CheckpointInterval and CheckpointPoll must be positive.").ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        services.AddSingleton<IValidateOptions<IntakeOptions>, IntakeOptionsValidator>();
        services.AddSingleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<HubMetrics>();

        services.AddSingleton<SqliteHubStore>();
        services.AddSingleton<IHubStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<IStageLog>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<ICaseStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<IMessageIdStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<IAuditLedgerStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<IOutboxStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<Storage.Evidence.IEvidenceStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        services.AddSingleton<IAs4PullStore>(sp => sp.GetRequiredService<SqliteHubStore>());
        // The stage log as a transport; cluster mode registers Kafka's before or replaces this one.
        services.TryAddSingleton<Abstractions.IStageTransport, EmbeddedStageTransport>();

        services.AddSingleton<PackRegistry>();
        services.AddSingleton<CodeLists>();
        services.AddSingleton<BusinessRules>();
        services.AddSingleton<BucRules>();
        services.AddSingleton<CaseRules>();
        services.AddSingleton<InstitutionDirectory>();
        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<TrustStore>();
        services.AddSingleton<CertificateValidator>();

        services.AddSingleton<SigningStage>();
        services.AddSingleton<PartnerResilience>();
        services.AddSingleton<DispatchStage>();
        services.AddSingleton<VerificationStage>();
        services.AddSingleton<InboxDeliveryStage>();
        services.AddSingleton<Stages.Ingest.CdmJsonConverter>();
        services.AddSingleton<HubPipeline>();
        services.AddSingleton<StageRunner>();
        services.AddSingleton<IntakeService>();
        services.AddSingleton<DeadLetterService>();
        services.AddSingleton<Storage.Evidence.EvidenceExporter>();
        services.AddHostedService<HubStartup>();
        services.TryAddSingleton(sp => EmbeddedDeliveryFeed(sp.GetRequiredService<IOptions<HubOptions>>().Value));
        services.AddHostedService<DeliveryWorker>();
        services.AddSingleton<CaseTimerService>();
        services.AddHostedService(sp => sp.GetRequiredService<CaseTimerService>());
        AddAuditCheckpoints(services);
        return services;
    }

    /// <summary>
    /// The embedded log's feed: both accepted-document topics, one member per partition (as many loops as partitions),
    /// each record naming its document by id (UTF-8 text).
    /// </summary>
    private static DeliveryFeed EmbeddedDeliveryFeed(HubOptions hub) =>
        new([HubPipeline.OutboundTopic, HubPipeline.InboundTopic], DeliveryWorker.ConsumerGroup, 2 * hub.Partitions,
            message => Guid.Parse(System.Text.Encoding.UTF8.GetString(message.Value)), BlocksWhileWaiting: false);

    /// <summary>The Quartz job that signs audit checkpoints (every <c>Hub:Audit:CheckpointPoll</c>, when due).</summary>
    private static void AddAuditCheckpoints(IServiceCollection services)
    {
        services.AddSingleton<AuditCheckpointer>();
        services.AddQuartz(quartz =>
        {
            quartz.AddJob<AuditCheckpointJob>(job => job.WithIdentity(AuditCheckpointJob.Key));
            quartz.AddTrigger((provider, trigger) => trigger.ForJob(AuditCheckpointJob.Key).StartNow().WithSimpleSchedule(schedule =>
                schedule.WithInterval(provider.GetRequiredService<IOptions<AuditOptions>>().Value.CheckpointPoll).RepeatForever()));
        });
        services.AddQuartzHostedService(quartz => quartz.WaitForJobsToComplete = true);
    }
}
