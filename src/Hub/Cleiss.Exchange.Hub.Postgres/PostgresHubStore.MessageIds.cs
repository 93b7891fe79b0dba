using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>AS4 duplicate elimination (table <c>as4_message_ids</c>), shared by every node on the database.</summary>
public sealed partial class PostgresHubStore : IMessageIdStore
{
    /// <remarks>
    /// <c>INSERT … ON CONFLICT DO NOTHING</c> decides the race between nodes: the loser waits for the winner's
    /// transaction, inserts nothing and then reads the winner's row.
    /// </remarks>
    public Task<MessageIdRegistration> RegisterAsync(string messageId, string contentSha256, Guid documentId, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO as4_message_ids (message_id, sha256, document_id, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING",
                connection, tx))
            {
                insert.Parameters.Add(Parameter(messageId));
                insert.Parameters.Add(Parameter(contentSha256));
                insert.Parameters.Add(Parameter(documentId));
                insert.Parameters.Add(Parameter(at.ToUniversalTime()));
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    return (new MessageIdRegistration(MessageIdState.New, documentId), true);
                }
            }
            var (sha, first) = (await FindCoreAsync(connection, tx, messageId, cancellationToken))!.Value;
            var state = string.Equals(sha, contentSha256, StringComparison.Ordinal) ? MessageIdState.Duplicate : MessageIdState.Conflict;
            return (new MessageIdRegistration(state, first), false);
        }, cancellationToken);

    public Task AssignAsync(string messageId, Guid documentId, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var update = new NpgsqlCommand("UPDATE as4_message_ids SET document_id = $1 WHERE message_id = $2 AND document_id = $3", connection, tx);
            update.Parameters.Add(Parameter(documentId));
            update.Parameters.Add(Parameter(messageId));
            update.Parameters.Add(Parameter(Guid.Empty));
            await update.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public Task<(string ContentSha256, Guid DocumentId)?> FindAsync(string messageId, CancellationToken cancellationToken) =>
        ReadAsync(connection => FindCoreAsync(connection, null, messageId, cancellationToken), cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var delete = new NpgsqlCommand("DELETE FROM as4_message_ids WHERE received_at < $1", connection, tx);
            delete.Parameters.Add(Parameter(before.ToUniversalTime()));
            return (await delete.ExecuteNonQueryAsync(cancellationToken), true);
        }, cancellationToken);

    private static async Task<(string ContentSha256, Guid DocumentId)?> FindCoreAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string messageId, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand("SELECT sha256, document_id FROM as4_message_ids WHERE message_id = $1", connection, tx);
        find.Parameters.Add(Parameter(messageId));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetGuid(1)) : null;
    }
}
