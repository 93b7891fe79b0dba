using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>
/// The hub store on PostgreSQL, for cluster mode: several hub nodes share one database, so nothing that must be
/// unique across nodes lives in memory (the audit chain head is read under a table lock in each write transaction).
/// Implements the store interfaces of <see cref="SqliteHubStore"/> as far as they are ported (see docs/adr/0015);
/// a failed operation throws <see cref="HubStorageException"/>.
/// </summary>
public sealed partial class PostgresHubStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresHubStore> _logger;
    private int _initialized;

    public PostgresHubStore(IOptions<PostgresStoreOptions> options, ILogger<PostgresHubStore> logger)
    {
        _dataSource = NpgsqlDataSource.Create(options.Value.ConnectionString);
        _logger = logger;
    }

    /// <summary>Applies the pending schema migrations (<see cref="PostgresMigrations"/>); safe to call on every node.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _initialized) == 1)
        {
            return;
        }
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            var applied = await PostgresMigrations.ApplyAsync(connection, cancellationToken);
            Log.SchemaReady(_logger, PostgresMigrations.LatestVersion, applied);
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex);
        }
        Volatile.Write(ref _initialized, 1);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// Runs one transaction (READ COMMITTED). The work returns its result and whether to commit; any database failure
    /// rolls back and becomes a <see cref="HubStorageException"/>.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var (result, commit) = await work(connection, tx);
            if (commit)
            {
                await tx.CommitAsync(cancellationToken);
            }
            else
            {
                await tx.RollbackAsync(cancellationToken);
            }
            return result;
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex);
        }
    }

    /// <summary>Runs a read on a pooled connection; a database failure becomes a <see cref="HubStorageException"/>.</summary>
    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await work(connection);
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex);
        }
    }

    private HubStorageException Failure(NpgsqlException ex)
    {
        Log.StoreFailed(_logger, ex);
        return new HubStorageException("The PostgreSQL store could not complete the operation.", ex);
    }

    private static NpgsqlParameter<TValue> Parameter<TValue>(TValue value) => new() { TypedValue = value };
}
