using Cleiss.Exchange.Hub.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Cleiss.Exchange.Hub.Tests.Storage.Compliance.StoredDocuments;

namespace Cleiss.Exchange.Hub.Tests.Storage;

/// <summary>The SQLite store; what every store must do is in the compliance suite (<see cref="Compliance.SqliteStoreComplianceTests"/>).</summary>
public sealed partial class SqliteHubStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private SqliteHubStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_database_runs_in_WAL_mode_with_full_synchronous_commits()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_second_hub_process_cannot_open_the_same_data_folder()
    {
        await using var second = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_partition_count_cannot_change_while_log_records_wait()
    {
        await _store.CommitIntakeAsync(Document(partition: 1), [], "t", CancellationToken.None);
        await _store.DisposeAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new Configuration.HubOptions { DataDirectory = _folder.Path, Partitions = 8 });
        await using (var resized = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => resized.InitializeAsync(CancellationToken.None));
        }

        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        await _store.CommitOffsetAsync("hub.delivery", "t", 1, 0, CancellationToken.None);
        await _store.DisposeAsync();
        await using (var resized = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance))
        {
            await resized.InitializeAsync(CancellationToken.None);
        }
        _store = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }
}
