using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>Reads: pooled connections beside the single writer (WAL lets them run concurrently).</summary>
public sealed partial class SqliteHubStore
{
    /// <inheritdoc />
    public async Task<IntakeCommitResult?> FindByInstanceAsync(Direction direction, string instanceIdentifier, string contentSha256, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var find = connection.CreateCommand();
        find.CommandText = "SELECT id, status, content_sha256 FROM documents WHERE direction = $d AND instance_id = $i";
        find.Parameters.AddWithValue("$d", direction.ToWireName());
        find.Parameters.AddWithValue("$i", instanceIdentifier);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IntakeCommitResult(Guid.Parse(reader.GetString(0)), reader.GetString(1), Created: false,
                SameContent: string.Equals(reader.GetString(2), contentSha256, StringComparison.Ordinal))
            : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CaseState>> GetCasesDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM cases WHERE close_at IS NOT NULL AND close_at <= $now AND status = 'open' ORDER BY close_at LIMIT $max";
        command.Parameters.AddWithValue("$now", FormatTime(now));
        command.Parameters.AddWithValue("$max", max);
        var due = new List<CaseState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(JsonSerializer.Deserialize<CaseState>(reader.GetString(0))!);
        }
        return due;
    }

    /// <inheritdoc />
    public async Task<CaseState?> GetCaseAsync(string caseId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM cases WHERE case_id = $id";
        command.Parameters.AddWithValue("$id", caseId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<CaseState>(json) : null;
    }

    /// <inheritdoc />
    public async Task<DocumentRecord?> GetDocumentAsync(Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        return await ReadDocumentAsync(connection, null, documentId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEventRecord>> GetAuditTrailAsync(Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        return await ReadAuditTrailAsync(connection, null, documentId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<(DocumentRecord? Document, IReadOnlyList<AuditEventRecord> Events)> GetDocumentWithTrailAsync(Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        // One read transaction: the status and the events come from the same snapshot.
        await using var snapshot = connection.BeginTransaction(deferred: true);
        var document = await ReadDocumentAsync(connection, snapshot, documentId, cancellationToken);
        var events = await ReadAuditTrailAsync(connection, snapshot, documentId, cancellationToken);
        return (document, events);
    }

    private static async Task<DocumentRecord?> ReadDocumentAsync(SqliteConnection connection, SqliteTransaction? tx, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT {DocumentRows.Columns} FROM documents WHERE id = $id";
        command.Parameters.AddWithValue("$id", documentId.ToString());
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }
        return DocumentRows.Read(r);
    }

    private static async Task<IReadOnlyList<AuditEventRecord>> ReadAuditTrailAsync(SqliteConnection connection, SqliteTransaction? tx, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT seq, document_id, at, stage, event, code, facts, hash FROM audit WHERE document_id = $id ORDER BY seq";
        command.Parameters.AddWithValue("$id", documentId.ToString());
        var list = new List<AuditEventRecord>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new AuditEventRecord(r.GetInt64(0), Guid.Parse(r.GetString(1)), ParseTime(r.GetString(2)), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(6)) ?? [], r.GetString(7)));
        }
        return list;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InboxItem>> GetInboxAsync(string institutionId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, sed_type, case_id, business_service, sender_id, status, updated_at FROM documents
            WHERE receiver_id = $receiver AND direction = 'inbound' AND status = 'delivered'
            ORDER BY updated_at, id LIMIT $limit
            """;
        command.Parameters.AddWithValue("$receiver", institutionId);
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<InboxItem>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new InboxItem(Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), ParseTime(r.GetString(6))));
        }
        return list;
    }

    /// <inheritdoc />
    public async Task<long?> VerifyAuditChainAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, document_id, at, stage, event, code, facts, prev_hash, hash FROM audit ORDER BY seq";
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var previous = GenesisHash;
        while (await r.ReadAsync(cancellationToken))
        {
            var seq = r.GetInt64(0);
            var expected = ChainHash(previous, r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6));
            if (!string.Equals(r.GetString(7), previous, StringComparison.Ordinal) || !string.Equals(r.GetString(8), expected, StringComparison.Ordinal))
            {
                return seq;
            }
            previous = expected;
        }
        return null;
    }
}
