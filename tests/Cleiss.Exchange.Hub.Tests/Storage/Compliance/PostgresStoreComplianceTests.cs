using System.Diagnostics;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Postgres;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>
/// The store compliance suite on PostgreSQL: each test gets a schema of its own in the run's test database
/// (<c>CLEISS_TEST_POSTGRES</c>), dropped afterwards; plus what only PostgreSQL has (versioned migrations).
/// </summary>
[RequiresPostgres]
public sealed class PostgresStoreComplianceTests : StoreComplianceTests<PostgresHubStore>
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");

    private string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ConnectionString) { SearchPath = _schema }.ConnectionString;

    protected override string DropAuditProtectionSql => "DROP TRIGGER audit_is_append_only ON audit";

    /// <remarks>
    /// Known difference: <c>audit.seq</c> is <c>GENERATED ALWAYS AS IDENTITY</c>, so PostgreSQL itself refuses to
    /// rewrite it even without the append-only trigger; SQLite lets it be rewritten and the chain check catches it.
    /// </remarks>
    protected override bool AuditSequenceCanBeRewritten => false;

    public override async Task InitializeAsync()
    {
        await ExecuteSqlAsync($"CREATE SCHEMA {_schema}");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await ExecuteSqlAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }

    protected override async Task<PostgresHubStore> OpenAsync() => await OpenAsync(ConnectionString);

    private static async Task<PostgresHubStore> OpenAsync(string connectionString, int? partitions = null)
    {
        var hub = partitions is { } count ? Options.Create(new Hub.Configuration.HubOptions { Partitions = count }) : null;
        var store = new PostgresHubStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString }), NullLogger<PostgresHubStore>.Instance, hub);
        try
        {
            await store.InitializeAsync(CancellationToken.None);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [StoreFact]
    public async Task Migrations_are_applied_once_in_order_and_recorded()
    {
        await using (var again = await OpenAsync(ConnectionString))
        {
            await again.InitializeAsync(CancellationToken.None);
        }

        Assert.Equal((long)PostgresMigrations.LatestVersion, await ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(PostgresMigrations.LatestVersion, await ScalarAsync("SELECT MAX(version) FROM schema_migrations"));
        Assert.Equal(Enumerable.Range(1, PostgresMigrations.LatestVersion), PostgresMigrations.Known.Select(m => m.Version));
    }

    [StoreFact]
    public async Task A_database_migrated_by_a_newer_hub_is_refused()
    {
        await ExecuteSqlAsync($"INSERT INTO schema_migrations (version, name) VALUES ({PostgresMigrations.LatestVersion + 1}, 'from_the_future')");

        await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(ConnectionString));
    }

    [StoreFact]
    public async Task An_unreachable_database_fails_with_a_storage_exception()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;

        await Assert.ThrowsAsync<HubStorageException>(() => OpenAsync(unreachable));
    }

    // --- Cluster mode's relay to Kafka (PostgreSQL only: the embedded log is the transport itself).

    [StoreFact]
    public async Task The_relay_reads_what_its_group_has_not_committed_with_the_document_facts_in_one_read()
    {
        const string Topic = "hub.outbound.accepted";
        StagePartition[] partitions = [new(Topic, 0), new(Topic, 1)];
        var a = StoredDocuments.Document("i-a", partition: 0) with { CaseId = "case-a" };
        var b = StoredDocuments.Document("i-b", partition: 1) with { CaseId = "case-b" };
        var c = StoredDocuments.Document("i-c", partition: 0) with { CaseId = "case-a" };
        foreach (var document in new[] { a, b, c })
        {
            await Store.CommitIntakeAsync(document, [], Topic, CancellationToken.None);
        }

        var all = await Store.ReadUnrelayedAsync("relay", partitions, 10, CancellationToken.None);
        await Store.CommitOffsetAsync("relay", Topic, 0, all[0].Offset, CancellationToken.None);
        var rest = await Store.ReadUnrelayedAsync("relay", partitions, 10, CancellationToken.None);

        Assert.Equal([a.Id, c.Id, b.Id], all.Select(r => r.DocumentId)); // by partition, in offset order
        Assert.Equal(new RelayRecord(Topic, 0, all[0].Offset, a.Id, Direction.Outbound, "case-a", "i-a", a.ContentSha256, a.CreatedAt), all[0]);
        Assert.Equal([c.Id, b.Id], rest.Select(r => r.DocumentId));
        Assert.Single(await Store.ReadUnrelayedAsync("relay", partitions, 1, CancellationToken.None), r => r.Partition == 0);
    }

    [StoreFact]
    public async Task One_node_leads_the_relay_until_it_steps_down_and_the_leader_wakes_on_another_nodes_append()
    {
        await using var otherNode = await OpenAsync(ConnectionString);
        var lease = await Store.TryLeadAsync("relay", CancellationToken.None);
        Assert.NotNull(lease);
        Assert.Null(await otherNode.TryLeadAsync("relay", CancellationToken.None));

        var woken = Stopwatch.StartNew();
        var waiting = lease.WaitForAppendAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        await otherNode.CommitIntakeAsync(StoredDocuments.Document("i-w"), [], "hub.outbound.accepted", CancellationToken.None);
        await waiting;
        Assert.True(woken.Elapsed < TimeSpan.FromSeconds(30), "the append on the other node should wake the leader long before its wait ends");

        await lease.DisposeAsync();
        await using var taken = await otherNode.TryLeadAsync("relay", CancellationToken.None);
        Assert.NotNull(taken);
    }

    [StoreFact]
    public async Task A_changed_partition_count_is_refused_while_records_wait_to_be_relayed_and_taken_once_they_are()
    {
        const string Topic = "hub.outbound.accepted";
        await using (var four = await OpenAsync(ConnectionString, partitions: 4))
        {
            await four.CommitIntakeAsync(StoredDocuments.Document("i-p", partition: 3), [], Topic, CancellationToken.None);
        }
        await Store.CommitOffsetAsync(IStageLogRelayStore.KafkaAuditRelayGroup, "audit", 0, 7, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(ConnectionString, partitions: 8));
        Assert.Contains("Hub:Partitions changed from 4 to 8 while 1 log record(s) wait", refused.Message, StringComparison.Ordinal);

        await Store.CommitOffsetAsync(IStageLogRelayStore.KafkaRelayGroup, Topic, 3, 0, CancellationToken.None); // relayed
        await using var eight = await OpenAsync(ConnectionString, partitions: 8);
        Assert.Empty(await eight.ReadUnrelayedAsync(IStageLogRelayStore.KafkaRelayGroup, [new StagePartition(Topic, 3)], 10, CancellationToken.None));
        Assert.Equal(7, await eight.GetCommittedOffsetAsync(IStageLogRelayStore.KafkaAuditRelayGroup, "audit", 0, CancellationToken.None)); // the audit cursor stays
        await using var again = await OpenAsync(ConnectionString, partitions: 8); // the new count is remembered
    }
}
