using Cleiss.Exchange.Hub.Configuration;
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
    private readonly int? _partitions;
    private int _initialized;

    /// <summary>Opens the store on <c>Hub:Postgres</c>; given the hub's settings, a change of <c>Hub:Partitions</c> is checked at start.</summary>
    public PostgresHubStore(IOptions<PostgresStoreOptions> options, ILogger<PostgresHubStore> logger, IOptions<HubOptions>? hub = null)
    {
        _dataSource = NpgsqlDataSource.Create(options.Value.ConnectionString);
        _logger = logger;
        _partitions = hub?.Value.Partitions;
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
            if (_partitions is { } partitions)
            {
                await CheckPartitionCountAsync(partitions, cancellationToken);
            }
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex);
        }
        Volatile.Write(ref _initialized, 1);
    }

    /// <summary>
    /// The partition of a case must not change while its records wait to be relayed (order per case, records stranded in
    /// partitions the relay no longer reads): a new <c>Hub:Partitions</c> is accepted only once the relay has published
    /// every stage-log record; the old records and the relay's offsets are then dropped. Nodes starting together take
    /// turns under a transaction-scoped advisory lock.
    /// </summary>
    /// <returns>Whether the stored count changed.</returns>
    private Task<bool> CheckPartitionCountAsync(int partitions, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using (var guard = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('cleiss.partitions'))", connection, tx))
            {
                await guard.ExecuteNonQueryAsync(cancellationToken);
            }
            var configured = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string? stored;
            await using (var read = new NpgsqlCommand("SELECT value FROM hub_settings WHERE key = 'partitions'", connection, tx))
            {
                stored = await read.ExecuteScalarAsync(cancellationToken) as string;
            }
            if (stored == configured)
            {
                return (false, false);
            }
            if (stored is not null)
            {
                await using var pending = new NpgsqlCommand("""
                    SELECT COUNT(*) FROM log l LEFT JOIN log_offsets o ON o.grp = $1 AND o.topic = l.topic AND o.partition = l.partition
                    WHERE o."offset" IS NULL OR l."offset" > o."offset"
                    """, connection, tx);
                pending.Parameters.Add(Parameter(IStageLogRelayStore.KafkaRelayGroup));
                var waiting = (long)(await pending.ExecuteScalarAsync(cancellationToken))!;
                if (waiting > 0)
                {
                    throw new InvalidOperationException(
                        $"Hub:Partitions changed from {stored} to {configured} while {waiting} log record(s) wait to be relayed; start with {stored} until they are.");
                }
                await using var drop = new NpgsqlBatch(connection, tx);
                drop.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM log"));
                var offsets = new NpgsqlBatchCommand("DELETE FROM log_offsets WHERE grp = $1");
                offsets.Parameters.Add(Parameter(IStageLogRelayStore.KafkaRelayGroup));
                drop.BatchCommands.Add(offsets);
                await drop.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var write = new NpgsqlCommand(
                "INSERT INTO hub_settings (key, value) VALUES ('partitions', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", connection, tx);
            write.Parameters.Add(Parameter(configured));
            await write.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

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
