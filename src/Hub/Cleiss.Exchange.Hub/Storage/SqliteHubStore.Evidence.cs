using Cleiss.Exchange.Hub.Storage.Evidence;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>Exchange evidence (table <c>evidence</c>): one row per document and kind.</summary>
public sealed partial class SqliteHubStore : IEvidenceStore
{
    public Task PutEvidenceAsync(Guid documentId, IReadOnlyList<EvidenceItem> items, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var insert = scope.Command("""
                INSERT INTO evidence (document_id, kind, media_type, content, at) VALUES ($doc, $kind, $type, $content, $at)
                ON CONFLICT (document_id, kind) DO UPDATE SET media_type = excluded.media_type, content = excluded.content, at = excluded.at
                """);
            foreach (var item in items)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$doc", documentId.ToString());
                insert.Parameters.AddWithValue("$kind", item.Kind);
                insert.Parameters.AddWithValue("$type", item.MediaType);
                insert.Parameters.AddWithValue("$content", item.Content);
                insert.Parameters.AddWithValue("$at", FormatTime(item.At));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            return (true, true);
        }, cancellationToken);

    public async Task<IReadOnlyList<EvidenceItem>> GetEvidenceAsync(Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, media_type, content, at FROM evidence WHERE document_id = $doc ORDER BY kind";
        command.Parameters.AddWithValue("$doc", documentId.ToString());
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<EvidenceItem>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new EvidenceItem(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2), ParseTime(r.GetString(3))));
        }
        return list;
    }
}
