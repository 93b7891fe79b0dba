using System.Globalization;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>AS4 duplicate elimination in the embedded store (table <c>as4_message_ids</c>).</summary>
public sealed partial class SqliteHubStore : IMessageIdStore
{
    public Task<MessageIdRegistration> RegisterAsync(string messageId, string contentSha256, Guid documentId, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using (var find = scope.Command("SELECT sha256, document_id FROM as4_message_ids WHERE message_id = $id"))
            {
                find.Parameters.AddWithValue("$id", messageId);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    var first = Guid.Parse(reader.GetString(1));
                    var state = string.Equals(reader.GetString(0), contentSha256, StringComparison.Ordinal) ? MessageIdState.Duplicate : MessageIdState.Conflict;
                    return (new MessageIdRegistration(state, first), false);
                }
            }
            await using var insert = scope.Command("INSERT INTO as4_message_ids (message_id, sha256, document_id, received_at) VALUES ($id, $sha, $doc, $at)");
            insert.Parameters.AddWithValue("$id", messageId);
            insert.Parameters.AddWithValue("$sha", contentSha256);
            insert.Parameters.AddWithValue("$doc", documentId.ToString());
            insert.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return (new MessageIdRegistration(MessageIdState.New, documentId), true);
        }, cancellationToken);

    public Task AssignAsync(string messageId, Guid documentId, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var update = scope.Command("UPDATE as4_message_ids SET document_id = $doc WHERE message_id = $id AND document_id = $empty");
            update.Parameters.AddWithValue("$doc", documentId.ToString());
            update.Parameters.AddWithValue("$id", messageId);
            update.Parameters.AddWithValue("$empty", Guid.Empty.ToString());
            await update.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public async Task<(string ContentSha256, Guid DocumentId)?> FindAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var find = connection.CreateCommand();
        find.CommandText = "SELECT sha256, document_id FROM as4_message_ids WHERE message_id = $id";
        find.Parameters.AddWithValue("$id", messageId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), Guid.Parse(reader.GetString(1))) : null;
    }

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var delete = scope.Command("DELETE FROM as4_message_ids WHERE received_at < $before");
            delete.Parameters.AddWithValue("$before", before.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            var removed = await delete.ExecuteNonQueryAsync(cancellationToken);
            return (removed, true);
        }, cancellationToken);
}
