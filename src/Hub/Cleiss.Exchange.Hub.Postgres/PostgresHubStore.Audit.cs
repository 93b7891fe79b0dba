using System.Text.Json;
using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>
/// The append-only audit trail (table <c>audit</c>) with the same SHA-256 hash chain as <see cref="SqliteHubStore"/>:
/// same fields, same separators, same timestamp text, so a row hashes identically on either store.
/// </summary>
public sealed partial class PostgresHubStore : IAuditTrailStore
{
    /// <inheritdoc />
    public Task AppendAuditAsync(IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await AppendAuditCoreAsync(connection, tx, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditEventRecord>> GetAuditTrailAsync(Guid documentId, CancellationToken cancellationToken) =>
        ReadAsync(connection => ReadAuditTrailAsync(connection, null, documentId, cancellationToken), cancellationToken);

    private static async Task<IReadOnlyList<AuditEventRecord>> ReadAuditTrailAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT seq, document_id, at, stage, event, code, facts, hash FROM audit WHERE document_id = $1 ORDER BY seq", connection, tx);
        command.Parameters.Add(Parameter(documentId));
        var list = new List<AuditEventRecord>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new AuditEventRecord(r.GetInt64(0), r.GetGuid(1), SqliteHubStore.ParseTime(r.GetString(2)), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(6)) ?? [], r.GetString(7)));
        }
        return list;
    }

    /// <inheritdoc />
    public Task<long?> VerifyAuditChainAsync(CancellationToken cancellationToken) =>
        ReadAsync<long?>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT seq, document_id, at, stage, event, code, facts, prev_hash, hash FROM audit ORDER BY seq", connection);
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var previous = SqliteHubStore.GenesisHash;
            while (await r.ReadAsync(cancellationToken))
            {
                var expected = SqliteHubStore.ChainHash(previous, r.GetGuid(1).ToString(), r.GetString(2), r.GetString(3), r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6));
                if (!string.Equals(r.GetString(7), previous, StringComparison.Ordinal) || !string.Equals(r.GetString(8), expected, StringComparison.Ordinal))
                {
                    return r.GetInt64(0);
                }
                previous = expected;
            }
            return null;
        }, cancellationToken);

    /// <summary>
    /// Appends events to the hash chain inside <paramref name="tx"/>. Several nodes append to one chain, so the
    /// table is locked (EXCLUSIVE: readers go on, other appenders wait) and the head is read inside the transaction.
    /// </summary>
    private static async Task AppendAuditCoreAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        string previous;
        await using (var head = new NpgsqlCommand("LOCK TABLE audit IN EXCLUSIVE MODE; SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", connection, tx))
        {
            previous = await head.ExecuteScalarAsync(cancellationToken) as string ?? SqliteHubStore.GenesisHash;
        }
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var e in events)
        {
            var docId = e.DocumentId.ToString();
            var time = SqliteHubStore.FormatTime(e.At);
            var factsJson = JsonSerializer.Serialize(e.Facts);
            var next = SqliteHubStore.ChainHash(previous, docId, time, e.Stage, e.Event, e.Code, factsJson);
            var insert = new NpgsqlBatchCommand("INSERT INTO audit (document_id, at, stage, event, code, facts, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
            insert.Parameters.Add(Parameter(e.DocumentId));
            insert.Parameters.Add(Parameter(time));
            insert.Parameters.Add(Parameter(e.Stage));
            insert.Parameters.Add(Parameter(e.Event));
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Code ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(Parameter(factsJson));
            insert.Parameters.Add(Parameter(previous));
            insert.Parameters.Add(Parameter(next));
            batch.BatchCommands.Add(insert);
            previous = next;
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
