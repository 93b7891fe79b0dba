using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>AS4 pull queues in the embedded store (table <c>as4_pull_queue</c>).</summary>
public sealed partial class SqliteHubStore : IAs4PullStore
{
    private const string QueueColumns = "q.mpc, q.message_id, q.document_id, q.access_point_id, q.pmode, q.content_type, q.body, q.signed_references, q.queued_at, q.pulls";

    public Task<bool> EnqueueAsync(QueuedAs4Message message, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var insert = scope.Command("""
                INSERT INTO as4_pull_queue (mpc, message_id, document_id, access_point_id, pmode, content_type, body, signed_references, queued_at)
                VALUES ($mpc, $id, $doc, $ap, $pmode, $type, $body, $refs, $at)
                ON CONFLICT (message_id) DO NOTHING
                """);
            insert.Parameters.AddWithValue("$mpc", message.Mpc);
            insert.Parameters.AddWithValue("$id", message.MessageId);
            insert.Parameters.AddWithValue("$doc", message.DocumentId.ToString());
            insert.Parameters.AddWithValue("$ap", message.AccessPointId);
            insert.Parameters.AddWithValue("$pmode", message.PModeId);
            insert.Parameters.AddWithValue("$type", message.ContentType);
            insert.Parameters.AddWithValue("$body", message.Body);
            insert.Parameters.AddWithValue("$refs", message.SignedReferences);
            insert.Parameters.AddWithValue("$at", FormatTime(message.QueuedAt));
            var inserted = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
            return (inserted, true);
        }, cancellationToken);

    public Task<QueuedAs4Message?> PullAsync(string mpc, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            // Only messages whose dispatch committed (document queued): nothing is handed out that the hub could
            // still record differently, and a receipt always finds its document waiting.
            QueuedAs4Message? found;
            await using (var next = scope.Command($"""
                SELECT {QueueColumns} FROM as4_pull_queue q JOIN documents d ON d.id = q.document_id
                WHERE q.mpc = $mpc AND d.status = '{DocumentStatus.Queued}' ORDER BY q.seq LIMIT 1
                """))
            {
                next.Parameters.AddWithValue("$mpc", mpc);
                await using var reader = await next.ExecuteReaderAsync(cancellationToken);
                found = await reader.ReadAsync(cancellationToken) ? ReadQueued(reader) : null;
            }
            if (found is null)
            {
                return (found, false);
            }
            await using var count = scope.Command("UPDATE as4_pull_queue SET pulls = pulls + 1, last_pulled_at = $at WHERE message_id = $id");
            count.Parameters.AddWithValue("$at", FormatTime(at));
            count.Parameters.AddWithValue("$id", found.MessageId);
            await count.ExecuteNonQueryAsync(cancellationToken);
            return (found, true);
        }, cancellationToken);

    public async Task<QueuedAs4Message?> FindQueuedAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var find = connection.CreateCommand();
        find.CommandText = $"SELECT {QueueColumns} FROM as4_pull_queue q WHERE q.message_id = $id";
        find.Parameters.AddWithValue("$id", messageId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadQueued(reader) : null;
    }

    public Task<bool> CompletePulledAsync(string messageId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            Guid documentId;
            await using (var delete = scope.Command("DELETE FROM as4_pull_queue WHERE message_id = $id RETURNING document_id"))
            {
                delete.Parameters.AddWithValue("$id", messageId);
                if (await delete.ExecuteScalarAsync(cancellationToken) is not string removed)
                {
                    return (false, false);
                }
                documentId = Guid.Parse(removed);
            }
            await UpdateProgressAsync(scope, documentId, progress, events, cancellationToken);
            await AppendAuditCoreAsync(scope, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    private static QueuedAs4Message ReadQueued(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), Guid.Parse(reader.GetString(2)), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        (byte[])reader.GetValue(6), reader.GetString(7), ParseTime(reader.GetString(8)), reader.GetInt32(9));
}
