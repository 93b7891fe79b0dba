using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>
/// The stage log in PostgreSQL (tables <c>log</c>, <c>log_offsets</c>), for a cluster that runs without Kafka and for
/// the intake commit's atomic log record.
/// </summary>
/// <remarks>
/// Known difference: <see cref="Appended"/> is raised only on the node that appended; every append also notifies the
/// <c>cleiss_log</c> channel at commit, which the relay of cluster mode listens on (<see cref="TryLeadAsync"/>).
/// </remarks>
public sealed partial class PostgresHubStore : IStageLog
{
    /// <inheritdoc />
    public event Action<string, int>? Appended;

    /// <inheritdoc />
    /// <remarks>Only records that name a document (records with their own bytes are a stage transport's).</remarks>
    public Task<IReadOnlyList<LogRecord>> ReadAsync(string topic, int partition, long afterOffset, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<LogRecord>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT \"offset\", document_id FROM log WHERE topic = $1 AND partition = $2 AND \"offset\" > $3 AND document_id IS NOT NULL ORDER BY \"offset\" LIMIT $4", connection);
            command.Parameters.Add(Parameter(topic));
            command.Parameters.Add(Parameter(partition));
            command.Parameters.Add(Parameter(afterOffset));
            command.Parameters.Add(Parameter(max));
            var list = new List<LogRecord>();
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new LogRecord(topic, partition, r.GetInt64(0), r.GetGuid(1)));
            }
            return list;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<long> GetCommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT \"offset\" FROM log_offsets WHERE grp = $1 AND topic = $2 AND partition = $3", connection);
            command.Parameters.Add(Parameter(group));
            command.Parameters.Add(Parameter(topic));
            command.Parameters.Add(Parameter(partition));
            return await command.ExecuteScalarAsync(cancellationToken) is long offset ? offset : -1;
        }, cancellationToken);

    /// <inheritdoc />
    public Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO log_offsets (grp, topic, partition, "offset") VALUES ($1, $2, $3, $4)
                ON CONFLICT (grp, topic, partition) DO UPDATE SET "offset" = excluded."offset"
                """, connection, tx);
            command.Parameters.Add(Parameter(group));
            command.Parameters.Add(Parameter(topic));
            command.Parameters.Add(Parameter(partition));
            command.Parameters.Add(Parameter(offset));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    /// <summary>
    /// Appends a record at the partition's next offset. Nodes append to the same partitions, so the next offset is
    /// taken under a transaction-scoped advisory lock on (topic, partition) instead of an in-memory counter.
    /// </summary>
    private static async Task AppendLogRecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string topic, int partition, Guid documentId, string key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var lockPartition = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtext($1), $2)");
        lockPartition.Parameters.Add(Parameter(topic));
        lockPartition.Parameters.Add(Parameter(partition));
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO log (topic, partition, "offset", document_id, key, at)
            SELECT $1, $2, COALESCE(MAX("offset"), -1) + 1, $3, $4, $5 FROM log WHERE topic = $1 AND partition = $2
            """);
        insert.Parameters.Add(Parameter(topic));
        insert.Parameters.Add(Parameter(partition));
        insert.Parameters.Add(Parameter(documentId));
        insert.Parameters.Add(Parameter(key));
        insert.Parameters.Add(Parameter(at.ToUnixTimeMilliseconds()));
        batch.BatchCommands.Add(lockPartition);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"NOTIFY {AppendChannel}")); // delivered at commit; the relay wakes on it
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
