using Cleiss.Exchange.Hub.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>The store compliance suite on the embedded SQLite store, in a temporary data folder.</summary>
public sealed class SqliteStoreComplianceTests : StoreComplianceTests<SqliteHubStore>
{
    private readonly TempDirectory _folder = new();

    protected override string DropAuditProtectionSql => "DROP TRIGGER audit_is_append_only_update; DROP TRIGGER audit_is_append_only_delete;";

    /// <summary>One process owns a SQLite store: a lease would hold entries back after a restart and protect nothing.</summary>
    protected override bool ClaimsLeaseOutboxEntries => false;

    protected override async Task<SqliteHubStore> OpenAsync()
    {
        var store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
