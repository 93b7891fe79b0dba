namespace Cleiss.Exchange.Hub.Storage;

/// <summary>The embedded stage log: partitioned records and committed consumer offsets.</summary>
public sealed partial class SqliteHubStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<LogRecord>> ReadAsync(string topic, int partition, long afterOffset, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT offset, document_id FROM log WHERE topic = $t AND partition = $p AND offset > $o ORDER BY offset LIMIT $max";
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
        if (_nextOffsets.TryGetValue((topic, partition), out var next))
        {
            return next;
        }
        await using var command = scope.Command("SELECT COALESCE(MAX(offset), -1) FROM log WHERE topic = $t AND partition = $p");
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? -1L) + 1;
    }
}
