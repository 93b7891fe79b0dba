using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.Hub.Postgres;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Cleiss.Exchange.KafkaMockHost;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// What cluster-mode tests need from the machine: the run's PostgreSQL test database (<c>CLEISS_TEST_POSTGRES</c>, set by
/// <c>./test.sh</c>) and a Kafka cluster: <c>CLEISS_TEST_KAFKA</c> (bootstrap servers of a real cluster) when set, else
/// librdkafka's mock cluster started in a process of its own for the test.
/// </summary>
internal static class ClusterEnvironment
{
    public static string? Postgres { get; } = Environment.GetEnvironmentVariable("CLEISS_TEST_POSTGRES") is { Length: > 0 } value ? value : null;

    public static string? Kafka { get; } = Environment.GetEnvironmentVariable("CLEISS_TEST_KAFKA") is { Length: > 0 } value ? value : null;

    public const string SkipReason = "No PostgreSQL test database: set CLEISS_TEST_POSTGRES to an Npgsql connection string (./test.sh does) to run cluster-mode tests.";
}

/// <summary>A test that runs hub nodes in cluster mode; skipped with the reason when there is no PostgreSQL test database.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (ClusterEnvironment.Postgres is null)
        {
            Skip = ClusterEnvironment.SkipReason;
        }
    }
}

/// <summary>
/// One cluster for one test: a schema of its own in the test database, topics and a consumer group of its own on the
/// Kafka cluster, and the simulated Belgian access point of <see cref="HubRig"/>. The rig's hub is the first node;
/// <see cref="StartNodeAsync"/> adds more, on the same database, topics and data folder (one identity, one key).
/// </summary>
/// <param name="startsHub">False for a rig whose nodes are processes the test starts (<see cref="HubProcess"/>).</param>
/// <param name="extra">Settings every node of this cluster gets on top of the cluster's own.</param>
public class ClusterRig(bool startsHub = true, IReadOnlyDictionary<string, string?>? extra = null) : HubRig
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];
    private KafkaMockProcess? _kafka;

    public string Schema => "c_" + _suffix;

    public string PostgresConnectionString => new NpgsqlConnectionStringBuilder(ClusterEnvironment.Postgres) { SearchPath = Schema }.ConnectionString;

    public string KafkaBootstrap => ClusterEnvironment.Kafka ?? _kafka!.Bootstrap;

    public string AuditTopic => "audit-" + _suffix;

    public string DeadLetterTopic => "dlq-" + _suffix;

    /// <summary>The configuration of every node of this cluster.</summary>
    public IReadOnlyDictionary<string, string?> ClusterConfiguration => new Dictionary<string, string?>
    {
        ["Hub:Mode"] = HubOptions.ClusterMode,
        ["Hub:Postgres:ConnectionString"] = PostgresConnectionString,
        ["Hub:Kafka:BootstrapServers"] = KafkaBootstrap,
        ["Hub:Kafka:ConsumerGroup"] = "hub-" + _suffix,
        ["Hub:Kafka:OutboundTopic"] = "out-" + _suffix,
        ["Hub:Kafka:InboundTopic"] = "in-" + _suffix,
        ["Hub:Kafka:AuditTopic"] = AuditTopic,
        ["Hub:Kafka:DeadLetterTopic"] = DeadLetterTopic,
        ["Hub:Kafka:ReceiptTopic"] = "receipts-" + _suffix,
        ["Hub:Kafka:SessionTimeout"] = "00:00:06",
        ["Hub:Kafka:MembersPerNode"] = "2",
    }.Concat(extra ?? new Dictionary<string, string?>()).ToDictionary(p => p.Key, p => p.Value);

    protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => ClusterConfiguration;

    /// <summary>Reads records of <paramref name="topic"/> from the start, as a consumer group of its own, until <paramref name="enough"/> holds (bounded).</summary>
    public async Task<List<StageMessage>> ReadTopicAsync(string topic, Func<List<StageMessage>, bool> enough)
    {
        using var transport = new KafkaStageTransport(new KafkaOptions { BootstrapServers = KafkaBootstrap, SessionTimeout = TimeSpan.FromSeconds(6) });
        using var reader = transport.Subscribe("reader-" + Guid.NewGuid().ToString("N"), [topic]);
        var read = new List<StageMessage>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!enough(read) && DateTime.UtcNow < deadline)
        {
            await reader.HandleNextAsync((message, _) => { read.Add(message); return Task.CompletedTask; }, TimeSpan.FromMilliseconds(500), CancellationToken.None);
        }
        return read;
    }

    protected override bool StartsHub => startsHub;

    /// <remarks>Without a PostgreSQL test database the rig starts nothing (its tests are skipped with the reason).</remarks>
    public override async Task InitializeAsync()
    {
        if (ClusterEnvironment.Postgres is null)
        {
            return;
        }
        await using (var connection = new NpgsqlConnection(ClusterEnvironment.Postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {Schema}", connection);
            await create.ExecuteNonQueryAsync();
        }
        if (ClusterEnvironment.Kafka is null)
        {
            _kafka = await KafkaMockProcess.StartAsync(
                [new KafkaMockTopic("out-" + _suffix, 6), new KafkaMockTopic("in-" + _suffix, 6), new KafkaMockTopic(AuditTopic, 3), new KafkaMockTopic(DeadLetterTopic, 3)]);
        }
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (ClusterEnvironment.Postgres is null)
        {
            return;
        }
        await base.DisposeAsync();
        if (_kafka is not null)
        {
            await _kafka.DisposeAsync();
        }
        await using var connection = new NpgsqlConnection(ClusterEnvironment.Postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Starts one more node of this cluster in this process (stop it with <see cref="HubRig.StopAsync(WebApplication?)"/>).</summary>
    public async Task<WebApplication> StartNodeAsync()
    {
        var node = HubApp.Build(new HubHostSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = HubData,
            Configuration = new Dictionary<string, string?>(ClusterConfiguration)
            {
                ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
                ["Hub:Routing:EndpointOverrides:0:Url"] = Partner.Endpoint.ToString(),
                ["Logging:LogLevel:Default"] = "Warning",
            },
        });
        await node.StartAsync();
        return node;
    }

    /// <summary>Opens the cluster's store, as an operator's tool would.</summary>
    public async Task<PostgresHubStore> OpenStoreAsync()
    {
        var store = new PostgresHubStore(Options.Create(new PostgresStoreOptions { ConnectionString = PostgresConnectionString }), NullLogger<PostgresHubStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    /// <summary>Verifies the cluster's audit trail (hash chain, Merkle tree, signed checkpoints) against the hub's own key.</summary>
    public async Task<AuditVerification> VerifyAuditAsync()
    {
        await using var store = await OpenStoreAsync();
        var keys = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = HubData }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance);
        return await AuditLedger.VerifyAsync(store, keys.List().Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal), CancellationToken.None);
    }
}
