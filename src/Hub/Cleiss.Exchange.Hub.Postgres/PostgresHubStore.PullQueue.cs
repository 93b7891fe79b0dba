using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>AS4 pull queues (table <c>as4_pull_queue</c>), shared by the nodes: any node may answer a partner's pull.</summary>
public sealed partial class PostgresHubStore : IAs4PullStore
{
    private const string QueueColumns = "q.mpc, q.message_id, q.document_id, q.access_point_id, q.pmode, q.content_type, q.body, q.signed_references, q.queued_at, q.pulls";

    public Task<bool> EnqueueAsync(QueuedAs4Message message, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO as4_pull_queue (mpc, message_id, document_id, access_point_id, pmode, content_type, body, signed_references, queued_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (message_id) DO NOTHING
                """, connection, tx);
            var p = insert.Parameters;
            p.Add(Parameter(message.Mpc));
            p.Add(Parameter(message.MessageId));
            p.Add(Parameter(message.DocumentId));
            p.Add(Parameter(message.AccessPointId));
            p.Add(Parameter(message.PModeId));
            p.Add(Parameter(message.ContentType));
            p.Add(Parameter(message.Body));
            p.Add(Parameter(message.SignedReferences));
            p.Add(Parameter(message.QueuedAt.ToUniversalTime()));
            return (await insert.ExecuteNonQueryAsync(cancellationToken) == 1, true);
        }, cancellationToken);

    /// <remarks>
    /// As on SQLite, the oldest message is handed out again until its receipt completes it (pulls counts how often),
    /// so two nodes answering pulls of one MPC at once may both hand out the same message: the partner's duplicate
    /// elimination absorbs it, and the receipt completes it once.
    /// </remarks>
    public Task<QueuedAs4Message?> PullAsync(string mpc, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            // Only messages whose dispatch committed (document queued), as on SQLite.
            QueuedAs4Message? found;
            await using (var next = new NpgsqlCommand($"""
                SELECT {QueueColumns} FROM as4_pull_queue q JOIN documents d ON d.id = q.document_id
                WHERE q.mpc = $1 AND d.status = '{DocumentStatus.Queued}' ORDER BY q.seq LIMIT 1
                """, connection, tx))
            {
                next.Parameters.Add(Parameter(mpc));
                await using var reader = await next.ExecuteReaderAsync(cancellationToken);
                found = await reader.ReadAsync(cancellationToken) ? ReadQueued(reader) : null;
            }
            if (found is null)
            {
                return (found, false);
            }
            await using var count = new NpgsqlCommand("UPDATE as4_pull_queue SET pulls = pulls + 1, last_pulled_at = $1 WHERE message_id = $2", connection, tx);
            count.Parameters.Add(Parameter(at.ToUniversalTime()));
            count.Parameters.Add(Parameter(found.MessageId));
            await count.ExecuteNonQueryAsync(cancellationToken);
            return (found, true);
        }, cancellationToken);

    public Task<QueuedAs4Message?> FindQueuedAsync(string messageId, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await using var find = new NpgsqlCommand($"SELECT {QueueColumns} FROM as4_pull_queue q WHERE q.message_id = $1", connection);
            find.Parameters.Add(Parameter(messageId));
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ReadQueued(reader) : null;
        }, cancellationToken);

    public Task<bool> CompletePulledAsync(string messageId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            Guid documentId;
            await using (var delete = new NpgsqlCommand("DELETE FROM as4_pull_queue WHERE message_id = $1 RETURNING document_id", connection, tx))
            {
                delete.Parameters.Add(Parameter(messageId));
                if (await delete.ExecuteScalarAsync(cancellationToken) is not Guid removed)
                {
                    return (false, false);
                }
                documentId = removed;
            }
            await UpdateProgressAsync(connection, tx, documentId, progress, events, cancellationToken);
            await AppendAuditCoreAsync(connection, tx, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    private static QueuedAs4Message ReadQueued(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        reader.GetFieldValue<byte[]>(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt32(9));
}
