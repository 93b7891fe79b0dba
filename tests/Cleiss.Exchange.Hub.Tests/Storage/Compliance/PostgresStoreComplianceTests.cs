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

    private static async Task<PostgresHubStore> OpenAsync(string connectionString)
    {
        var store = new PostgresHubStore(Options.Create(new PostgresStoreOptions { ConnectionString = connectionString }), NullLogger<PostgresHubStore>.Instance);
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
}
