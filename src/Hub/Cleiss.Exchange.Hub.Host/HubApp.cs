using Cleiss.Exchange.Adapters.Http;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Host.As4;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Tls;
using Cleiss.Exchange.Hub.Kafka.Cluster;
using Cleiss.Exchange.Hub.Postgres;
using OpenTelemetry.Metrics;

namespace Cleiss.Exchange.Hub.Host;

/// <summary>Settings a caller (CLI, demo, tests) gives the hub host.</summary>
public sealed record HubHostSettings
{
    /// <summary>Where Kestrel listens, e.g. <c>http://127.0.0.1:5180</c> (port 0 picks a free one).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5180";

    /// <summary>The data folder (store, keys, trust).</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Extra configuration keys (e.g. <c>Hub:Routing:EndpointOverrides:0:Url</c>).</summary>
    public IReadOnlyDictionary<string, string?> Configuration { get; init; } = new Dictionary<string, string?>();

    /// <summary>Command-line style arguments passed on to the host builder (environment, logging…).</summary>
    public string[] Args { get; init; } = [];
}

/// <summary>Builds the hub's web host: the composition root of both modes (<c>Hub:Mode</c>).</summary>
public static class HubApp
{
    /// <summary>Whether <c>Hub:Mode</c> asks for cluster mode; a value other than the two modes is refused at once.</summary>
    private static bool IsClusterMode(ConfigurationManager configuration)
    {
        var mode = configuration[$"{HubOptions.SectionName}:{nameof(HubOptions.Mode)}"] ?? HubOptions.EmbeddedMode;
        return mode switch
        {
            HubOptions.EmbeddedMode => false,
            HubOptions.ClusterMode => true,
            _ => throw new InvalidOperationException($"Hub:Mode must be '{HubOptions.EmbeddedMode}' or '{HubOptions.ClusterMode}', not '{mode}'."),
        };
    }

    /// <summary>Builds (does not start) the hub.</summary>
    public static WebApplication Build(HubHostSettings settings)
    {
        var builder = WebApplication.CreateBuilder(settings.Args);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{HubOptions.SectionName}:{nameof(HubOptions.DataDirectory)}"] = settings.DataDirectory,
        });
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        builder.ListenForHub(settings.Urls); // the hub's URLs, and the AS4 mutual-TLS listener when enabled (ADR 0011)
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var intake = context.Configuration.GetSection(IntakeOptions.SectionName).Get<IntakeOptions>() ?? new IntakeOptions();
            // Global cap slightly above the per-endpoint document cap; endpoints enforce their own.
            kestrel.Limits.MaxRequestBodySize = intake.MaxDocumentBytes + 64 * 1024;
            kestrel.Limits.MaxConcurrentConnections = 2_000;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 100;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
            kestrel.AddServerHeader = false;
        });

        builder.Services.AddExchangeHub();
        if (IsClusterMode(builder.Configuration))
        {
            builder.Services.AddPostgresHubStore(); // one database the nodes share (Hub:Postgres)
            builder.Services.AddKafkaCluster();     // Kafka between the stages (Hub:Kafka): relay, delivery consumer group
        }
        builder.Services.AddOptions<ApiClientOptions>().BindConfiguration(ApiClientOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ApiClientOptions>, ApiClientOptionsValidator>();
        builder.Services.AddAs4();
        builder.Services.AddHttpClient(HttpPartnerTransport.ClientName, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan; // the dispatch stage owns the timeout
        });
        if (builder.Configuration[$"{DispatchOptions.SectionName}:{nameof(DispatchOptions.Transport)}"] == "as4")
        {
            builder.Services.AddHttpClient(Adapters.As4.Sending.As4PartnerTransport.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).AddAs4PartnerTls();
            builder.Services.AddSingleton<IPartnerTransport, Adapters.As4.Sending.As4PartnerTransport>();
        }
        else
        {
            builder.Services.AddSingleton<IPartnerTransport, HttpPartnerTransport>();
        }
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<HubExceptionHandler>();
        builder.Services.AddOpenApi(options => options.AddOperationTransformer(RequestBodies.DescribeAsync));
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: ["ready"]);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HubMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());

        var app = builder.Build();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiClientOptions>>().Value.Clients.Count == 0)
        {
            HostLog.ApiOpen(app.Logger);
        }
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAs4Tls();
        app.MapOpenApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthEndpoints();
        app.MapDocumentEndpoints();
        app.MapInboxEndpoints();
        app.MapDeadLetterEndpoints();
        app.MapCaseEndpoints();
        app.MapAccessPointEndpoints();
        app.MapAs4Endpoints();
        return app;
    }
}
