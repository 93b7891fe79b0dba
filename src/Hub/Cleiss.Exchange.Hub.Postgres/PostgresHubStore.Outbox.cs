using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>The durable outbox (table <c>outbox</c>).</summary>
public sealed partial class PostgresHubStore : IOutboxStore
{
    public Task ParkAsync(Guid documentId, string caseId, string accessPointId, DateTimeOffset dueAt, int attempt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            // parked is an identity: set on the first park only, so a re-park keeps the document's place in its case.
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO outbox (document_id, case_id, access_point_id, due_at, attempt) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (document_id) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt
                """, connection, tx);
            upsert.Parameters.Add(Parameter(documentId));
            upsert.Parameters.Add(Parameter(caseId));
            upsert.Parameters.Add(Parameter(accessPointId));
            upsert.Parameters.Add(Parameter(dueAt.ToUniversalTime()));
            upsert.Parameters.Add(Parameter(attempt));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public Task UnparkAsync(Guid documentId, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var delete = new NpgsqlCommand("DELETE FROM outbox WHERE document_id = $1", connection, tx);
            delete.Parameters.Add(Parameter(documentId));
            return (true, await delete.ExecuteNonQueryAsync(cancellationToken) > 0);
        }, cancellationToken);

    public Task<bool> IsParkedAsync(Guid documentId, CancellationToken cancellationToken) =>
        ExistsAsync("SELECT 1 FROM outbox WHERE document_id = $1 LIMIT 1", Parameter(documentId), cancellationToken);

    public Task<bool> IsCaseParkedAsync(string caseId, CancellationToken cancellationToken) =>
        ExistsAsync("SELECT 1 FROM outbox WHERE case_id = $1 LIMIT 1", Parameter(caseId), cancellationToken);

    public Task<IReadOnlyList<OutboxEntry>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<OutboxEntry>>(async connection =>
        {
            // Ties on due_at are broken by the park order (SQLite leaves them in rowid order, which is the same here).
            await using var command = new NpgsqlCommand("""
                SELECT document_id, attempt FROM outbox o
                WHERE due_at <= $1 AND parked = (SELECT MIN(parked) FROM outbox WHERE case_id = o.case_id)
                ORDER BY due_at, parked LIMIT $2
                """, connection);
            command.Parameters.Add(Parameter(now.ToUniversalTime()));
            command.Parameters.Add(Parameter(limit));
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<OutboxEntry>();
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new OutboxEntry(r.GetGuid(0), r.GetInt32(1)));
            }
            return list;
        }, cancellationToken);

    /// <remarks>The entries are locked (others' claims skip them) and their due time moved past the lease in one statement.</remarks>
    public Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<OutboxEntry>>(async (connection, tx) =>
        {
            await using var command = new NpgsqlCommand("""
                WITH due AS (
                    SELECT document_id FROM outbox o
                    WHERE due_at <= $1 AND parked = (SELECT MIN(parked) FROM outbox WHERE case_id = o.case_id)
                    ORDER BY due_at, parked LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                UPDATE outbox SET due_at = $3 FROM due WHERE outbox.document_id = due.document_id
                RETURNING outbox.document_id, outbox.attempt, outbox.parked
                """, connection, tx);
            command.Parameters.Add(Parameter(now.ToUniversalTime()));
            command.Parameters.Add(Parameter(limit));
            command.Parameters.Add(Parameter((now + lease).ToUniversalTime()));
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var claimed = new List<(OutboxEntry Entry, long Parked)>();
            while (await r.ReadAsync(cancellationToken))
            {
                claimed.Add((new OutboxEntry(r.GetGuid(0), r.GetInt32(1)), r.GetInt64(2)));
            }
            return (claimed.OrderBy(c => c.Parked).Select(c => c.Entry).ToList(), true);
        }, cancellationToken);

    public Task<int> CountParkedAsync(CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM outbox", connection);
            return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    private Task<bool> ExistsAsync(string sql, NpgsqlParameter key, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(key);
            return await command.ExecuteScalarAsync(cancellationToken) is not null;
        }, cancellationToken);
}
