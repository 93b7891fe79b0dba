using Cleiss.Exchange.Hub.Storage.Evidence;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>Exchange evidence (table <c>evidence</c>): one row per document and kind, the latest write wins.</summary>
public sealed partial class PostgresHubStore : IEvidenceStore
{
    public Task PutEvidenceAsync(Guid documentId, IReadOnlyList<EvidenceItem> items, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            foreach (var item in items)
            {
                var upsert = new NpgsqlBatchCommand("""
                    INSERT INTO evidence (document_id, kind, media_type, content, at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (document_id, kind) DO UPDATE SET media_type = excluded.media_type, content = excluded.content, at = excluded.at
                    """);
                upsert.Parameters.Add(Parameter(documentId));
                upsert.Parameters.Add(Parameter(item.Kind));
                upsert.Parameters.Add(Parameter(item.MediaType));
                upsert.Parameters.Add(Parameter(item.Content));
                upsert.Parameters.Add(Parameter(item.At.ToUniversalTime()));
                batch.BatchCommands.Add(upsert);
            }
            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            return (true, true);
        }, cancellationToken);

    public Task<IReadOnlyList<EvidenceItem>> GetEvidenceAsync(Guid documentId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<EvidenceItem>>(async connection =>
        {
            // COLLATE "C": byte order, as SQLite sorts, whatever the database's collation.
            await using var command = new NpgsqlCommand("SELECT kind, media_type, content, at FROM evidence WHERE document_id = $1 ORDER BY kind COLLATE \"C\"", connection);
            command.Parameters.Add(Parameter(documentId));
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<EvidenceItem>();
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new EvidenceItem(r.GetString(0), r.GetString(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<DateTimeOffset>(3)));
            }
            return list;
        }, cancellationToken);
}
