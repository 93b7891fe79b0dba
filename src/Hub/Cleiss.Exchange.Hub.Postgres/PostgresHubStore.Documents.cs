using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>Documents from intake to their last stage, with their case state (tables <c>documents</c>, <c>cases</c>).</summary>
public sealed partial class PostgresHubStore : IDocumentStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Two nodes may commit the same InstanceIdentifier at once: the document insert is <c>ON CONFLICT DO NOTHING</c>,
    /// and the loser rolls back everything (case transition included) and answers with the winner's document.
    /// </remarks>
    public async Task<IntakeCommitResult> CommitIntakeAsync(DocumentRecord document, IReadOnlyList<NewAuditEvent> events, string topic, CancellationToken cancellationToken, CaseTransition? caseTransition = null)
    {
        var result = await WriteAsync(async (connection, tx) =>
        {
            if (await FindByInstanceCoreAsync(connection, tx, document.Direction, document.InstanceIdentifier, document.ContentSha256, cancellationToken) is { } existing)
            {
                return (existing, false);
            }
            if (caseTransition is not null && !await ApplyCaseTransitionAsync(connection, tx, caseTransition, document.UpdatedAt, cancellationToken))
            {
                return (new IntakeCommitResult(document.Id, document.Status, Created: false, SameContent: false, CaseConflict: true), false);
            }
            if (!await InsertDocumentAsync(connection, tx, document, cancellationToken))
            {
                var winner = await FindByInstanceCoreAsync(connection, tx, document.Direction, document.InstanceIdentifier, document.ContentSha256, cancellationToken);
                return (winner!, false);
            }
            await AppendAuditCoreAsync(connection, tx, events, cancellationToken);
            await AppendLogRecordAsync(connection, tx, topic, document.Partition, document.Id, document.CaseId, document.CreatedAt, cancellationToken);
            return (new IntakeCommitResult(document.Id, document.Status, Created: true, SameContent: true), true);
        }, cancellationToken);
        if (result.Created)
        {
            Appended?.Invoke(topic, document.Partition);
        }
        return result;
    }

    /// <inheritdoc />
    public Task<IntakeCommitResult?> FindByInstanceAsync(Direction direction, string instanceIdentifier, string contentSha256, CancellationToken cancellationToken) =>
        ReadAsync(connection => FindByInstanceCoreAsync(connection, null, direction, instanceIdentifier, contentSha256, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task RecordProgressAsync(Guid documentId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await UpdateProgressAsync(connection, tx, documentId, progress, events, cancellationToken);
            await AppendAuditCoreAsync(connection, tx, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    private static async Task UpdateProgressAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid documentId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE documents SET status = $1, last_stage = $2,
                signed_payload = COALESCE($3, signed_payload), receipt_id = COALESCE($4, receipt_id), updated_at = $5
            WHERE id = $6
            """, connection, tx);
        update.Parameters.Add(Parameter(progress.Status));
        update.Parameters.Add(Parameter(progress.LastStage));
        update.Parameters.Add(Nullable(progress.SignedPayload, NpgsqlDbType.Bytea));
        update.Parameters.Add(Nullable(progress.ReceiptId, NpgsqlDbType.Text));
        update.Parameters.Add(Parameter((events.Count > 0 ? events[^1].At : DateTimeOffset.UnixEpoch).ToUniversalTime()));
        update.Parameters.Add(Parameter(documentId));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<DocumentRecord?> GetDocumentAsync(Guid documentId, CancellationToken cancellationToken) =>
        ReadAsync(connection => ReadDocumentAsync(connection, null, documentId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<(DocumentRecord? Document, IReadOnlyList<AuditEventRecord> Events)> GetDocumentWithTrailAsync(Guid documentId, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            // One REPEATABLE READ transaction: the status and the events come from the same snapshot.
            await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            var document = await ReadDocumentAsync(connection, snapshot, documentId, cancellationToken);
            var events = await ReadAuditTrailAsync(connection, snapshot, documentId, cancellationToken);
            return (document, events);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<CaseState?> GetCaseAsync(string caseId, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT state::text FROM cases WHERE case_id = $1", connection);
            command.Parameters.Add(Parameter(caseId));
            return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<CaseState>(json) : null;
        }, cancellationToken);

    private static async Task<IntakeCommitResult?> FindByInstanceCoreAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Direction direction, string instanceIdentifier, string contentSha256, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand("SELECT id, status, content_sha256 FROM documents WHERE direction = $1 AND instance_id = $2", connection, tx);
        find.Parameters.Add(Parameter(direction.ToWireName()));
        find.Parameters.Add(Parameter(instanceIdentifier));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IntakeCommitResult(reader.GetGuid(0), reader.GetString(1), Created: false, SameContent: string.Equals(reader.GetString(2), contentSha256, StringComparison.Ordinal))
            : null;
    }

    /// <summary>Inserts the document; false when another transaction stored the same direction and InstanceIdentifier first.</summary>
    private static async Task<bool> InsertDocumentAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DocumentRecord document, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand($"""
            INSERT INTO documents ({DocumentRows.Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
            ON CONFLICT (direction, instance_id) DO NOTHING
            """, connection, tx);
        var p = insert.Parameters;
        p.Add(Parameter(document.Id));
        p.Add(Parameter(document.InstanceIdentifier));
        p.Add(Parameter(document.Direction.ToWireName()));
        p.Add(Parameter(document.SedType));
        p.Add(Parameter(document.CaseId));
        p.Add(Parameter(document.BusinessService));
        p.Add(Parameter(document.SenderId));
        p.Add(Parameter(document.ReceiverId));
        p.Add(Parameter(document.AccessPointId));
        p.Add(Nullable(document.Endpoint, NpgsqlDbType.Text));
        p.Add(Parameter(document.PackId));
        p.Add(Parameter(document.ContentSha256));
        p.Add(Parameter(document.Payload));
        p.Add(Nullable(document.SignedPayload, NpgsqlDbType.Bytea));
        p.Add(Nullable(document.ReceiptId, NpgsqlDbType.Text));
        p.Add(Parameter(document.Status));
        p.Add(Nullable(document.LastStage, NpgsqlDbType.Text));
        p.Add(Parameter(document.Partition));
        p.Add(Parameter(document.CreatedAt.ToUniversalTime()));
        p.Add(Parameter(document.UpdatedAt.ToUniversalTime()));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Creates the case (expected revision 0) or moves it on from the expected revision; false when it has moved on meanwhile.</summary>
    private static async Task<bool> ApplyCaseTransitionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CaseTransition transition, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var state = transition.NewState;
        await using var command = new NpgsqlCommand(transition.ExpectedRevision == 0
            ? """
              INSERT INTO cases (case_id, status, revision, state, close_at, updated_at, buc, version)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id) DO NOTHING
              """
            : "UPDATE cases SET status = $2, revision = $3, state = $4, close_at = $5, updated_at = $6 WHERE case_id = $1 AND revision = $7",
            connection, tx);
        var p = command.Parameters;
        p.Add(Parameter(state.CaseId));
        p.Add(Parameter(state.Status));
        p.Add(Parameter(state.Revision));
        p.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(state), NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(Nullable(state.CloseAt is { } close && state.Status == "open" ? close.ToUniversalTime() : null, NpgsqlDbType.TimestampTz));
        p.Add(Parameter(at.ToUniversalTime()));
        if (transition.ExpectedRevision == 0)
        {
            p.Add(Parameter(state.Buc));
            p.Add(Parameter(state.Version));
        }
        else
        {
            p.Add(Parameter(transition.ExpectedRevision));
        }
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<DocumentRecord?> ReadDocumentAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {DocumentRows.Columns} FROM documents WHERE id = $1", connection, tx);
        command.Parameters.Add(Parameter(documentId));
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }
        return DocumentRows.Read(r);
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
