using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>The embedded stage log: partitioned records and committed consumer offsets.</summary>
public sealed partial class SqliteHubStore
{
    /// <inheritdoc />
    /// <remarks>Only records that name a document: those published with their own bytes are read by <see cref="ReadMessagesAsync"/>.</remarks>
    public async Task<IReadOnlyList<LogRecord>> ReadAsync(string topic, int partition, long afterOffset, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT offset, document_id FROM log WHERE topic = $t AND partition = $p AND offset > $o AND document_id IS NOT NULL ORDER BY offset LIMIT $max";
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        command.Parameters.AddWithValue("$o", afterOffset);
        command.Parameters.AddWithValue("$max", max);
        var list = new List<LogRecord>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new LogRecord(topic, partition, r.GetInt64(0), Guid.Parse(r.GetString(1))));
        }
        return list;
    }

    /// <inheritdoc />
    public async Task<long> GetCommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT offset FROM log_offsets WHERE grp = $g AND topic = $t AND partition = $p";
        command.Parameters.AddWithValue("$g", group);
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        return await command.ExecuteScalarAsync(cancellationToken) is long offset ? offset : -1;
    }

    /// <inheritdoc />
    public Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var command = scope.Command("""
                INSERT INTO log_offsets (grp, topic, partition, offset) VALUES ($g, $t, $p, $o)
                ON CONFLICT (grp, topic, partition) DO UPDATE SET offset = excluded.offset
                """);
            command.Parameters.AddWithValue("$g", group);
            command.Parameters.AddWithValue("$t", topic);
            command.Parameters.AddWithValue("$p", partition);
            command.Parameters.AddWithValue("$o", offset);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    private async Task<long> NextOffsetAsync(WriteScope scope, string topic, int partition, CancellationToken cancellationToken)
    {
        if (scope.TryGetNextOffset(topic, partition, out var next) || _nextOffsets.TryGetValue((topic, partition), out next))
        {
            return next;
        }
        await using var command = scope.Command("SELECT COALESCE(MAX(offset), -1) FROM log WHERE topic = $t AND partition = $p");
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? -1L) + 1;
    }

    /// <summary>
    /// Reads records after <paramref name="afterOffset"/>, in order, as <see cref="EmbeddedStageTransport"/> hands them
    /// out: a record the intake wrote has its document id (UTF-8, "D" format) as its value, one published with
    /// its own bytes has those. A record without a key (written before the log had keys) has the key "".
    /// </summary>
    /// <remarks>Runs once per batch of records (hot path): no LINQ.</remarks>
    internal async Task<List<StageMessage>> ReadMessagesAsync(string topic, int partition, long afterOffset, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT offset, document_id, key, value, at FROM log WHERE topic = $t AND partition = $p AND offset > $o ORDER BY offset LIMIT $max";
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        command.Parameters.AddWithValue("$o", afterOffset);
        command.Parameters.AddWithValue("$max", max);
        var list = new List<StageMessage>(max);
        try
        {
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                var value = r.IsDBNull(3) ? Encoding.UTF8.GetBytes(r.GetString(1)) : (byte[])r.GetValue(3);
                var at = r.IsDBNull(4) ? DateTimeOffset.UnixEpoch : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4));
                list.Add(new StageMessage(topic, partition, r.GetInt64(0), r.IsDBNull(2) ? "" : r.GetString(2), value, at));
            }
        }
        catch (SqliteException ex)
        {
            throw StorageFailure(ex);
        }
        return list;
    }

    /// <summary>Appends a record that carries its own bytes, durably, and returns its offset.</summary>
    internal async Task<long> AppendMessageAsync(string topic, int partition, string key, byte[] value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var offset = await WriteAsync(async scope =>
        {
            var offset = await NextOffsetAsync(scope, topic, partition, cancellationToken);
            await InsertLogRecordAsync(scope, topic, partition, offset, null, key, value, at, cancellationToken);
            scope.Allocated(topic, partition, offset);
            return (offset, true);
        }, cancellationToken);
        Appended?.Invoke(topic, partition);
        return offset;
    }

    /// <summary>Inserts one log record inside the scope's transaction: a document's (value null) or one with its own bytes.</summary>
    private static async Task InsertLogRecordAsync(WriteScope scope, string topic, int partition, long offset, Guid? documentId, string key, byte[]? value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var log = scope.Command("INSERT INTO log (topic, partition, offset, document_id, key, value, at) VALUES ($t, $p, $o, $d, $k, $v, $at)");
        log.Parameters.AddWithValue("$t", topic);
        log.Parameters.AddWithValue("$p", partition);
        log.Parameters.AddWithValue("$o", offset);
        log.Parameters.AddWithValue("$d", documentId is { } id ? id.ToString() : DBNull.Value);
        log.Parameters.AddWithValue("$k", key);
        log.Parameters.Add("$v", SqliteType.Blob).Value = (object?)value ?? DBNull.Value;
        log.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        await log.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Rebuilds a log table from before keys and values (see <see cref="UpgradeLogSql"/>); nothing to do on a current one.</summary>
    private static async Task UpgradeLogAsync(SqliteConnection writer, CancellationToken cancellationToken)
    {
        await using (var probe = writer.CreateCommand())
        {
            probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info('log') WHERE name = 'value'";
            if ((long)(await probe.ExecuteScalarAsync(cancellationToken) ?? 0L) > 0)
            {
                return;
            }
        }
        await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(writer, tx, UpgradeLogSql, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }
}
