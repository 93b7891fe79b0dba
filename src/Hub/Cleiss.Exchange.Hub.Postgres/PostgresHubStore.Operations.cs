using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>Case timers, institution inboxes and dead letters: the rest of <see cref="IHubStore"/>.</summary>
/// <remarks>
/// Known difference: <see cref="SqliteHubStore"/> refuses to start when <c>Hub:Partitions</c> changed while log
/// records wait; this store does not check the partition count yet.
/// </remarks>
public sealed partial class PostgresHubStore : IHubStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<CaseState>> GetCasesDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<CaseState>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT state::text FROM cases WHERE close_at IS NOT NULL AND close_at <= $1 AND status = 'open' ORDER BY close_at LIMIT $2", connection);
            command.Parameters.Add(Parameter(now.ToUniversalTime()));
            command.Parameters.Add(Parameter(max));
            var due = new List<CaseState>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(JsonSerializer.Deserialize<CaseState>(reader.GetString(0))!);
            }
            return due;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> CloseCaseByTimerAsync(CaseState state, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (transition, closedEvent) = SqliteHubStore.TimerClosing(state, at);
        return WriteAsync(async (connection, tx) =>
        {
            if (!await ApplyCaseTransitionAsync(connection, tx, transition, at, cancellationToken))
            {
                return (false, false); // the case changed meanwhile: the next sweep decides again
            }
            await AppendAuditCoreAsync(connection, tx, [closedEvent], cancellationToken);
            return (true, true);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<InboxItem>> GetInboxAsync(string institutionId, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<InboxItem>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT id, sed_type, case_id, business_service, sender_id, status, updated_at FROM documents
                WHERE receiver_id = $1 AND direction = 'inbound' AND status = 'delivered'
                ORDER BY updated_at, id LIMIT $2
                """, connection);
            command.Parameters.Add(Parameter(institutionId));
            command.Parameters.Add(Parameter(limit));
            var list = new List<InboxItem>();
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new InboxItem(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6)));
            }
            return list;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> AcknowledgeAsync(string institutionId, Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken) =>
        UpdateStatusAsync("""
            UPDATE documents SET status = 'acknowledged', updated_at = $1
            WHERE id = $2 AND receiver_id = $3 AND direction = 'inbound' AND status = 'delivered'
            """, documentId, auditEvent, institutionId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<DeadLetter>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT d.id, d.direction, d.sed_type, d.case_id, d.access_point_id, a.stage, COALESCE(a.code, ''), a.facts, a.at
                FROM documents d
                JOIN audit a ON a.seq = (SELECT MAX(seq) FROM audit WHERE document_id = d.id AND event = 'failed')
                WHERE d.status = 'failed'
                ORDER BY a.seq
                """, connection);
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<DeadLetter>();
            while (await r.ReadAsync(cancellationToken))
            {
                var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7)) ?? [];
                list.Add(new DeadLetter(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                    facts.GetValueOrDefault("detail", string.Empty), SqliteHubStore.ParseTime(r.GetString(8))));
            }
            return list;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> RequeueAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken)
    {
        (string Topic, int Partition)? appended = null;
        var done = await WriteAsync(async (connection, tx) =>
        {
            // A signed document resumes after signing (same bytes, same id); anything else from the start.
            await using var update = new NpgsqlCommand("""
                UPDATE documents SET status = CASE WHEN last_stage = 'sign' THEN 'signed' ELSE 'accepted' END, updated_at = $1
                WHERE id = $2 AND status = 'failed' RETURNING direction, partition, case_id
                """, connection, tx);
            update.Parameters.Add(Parameter(auditEvent.At.ToUniversalTime()));
            update.Parameters.Add(Parameter(documentId));
            string direction, caseId;
            int partition;
            await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return (false, false);
                }
                (direction, partition, caseId) = (reader.GetString(0), reader.GetInt32(1), reader.GetString(2));
            }
            await AppendAuditCoreAsync(connection, tx, [auditEvent], cancellationToken);
            var topic = HubPipeline.Topic(direction == "outbound" ? Direction.Outbound : Direction.Inbound);
            await AppendLogRecordAsync(connection, tx, topic, partition, documentId, caseId, auditEvent.At, cancellationToken);
            appended = (topic, partition);
            return (true, true);
        }, cancellationToken);
        if (done && appended is { } at)
        {
            Appended?.Invoke(at.Topic, at.Partition);
        }
        return done;
    }

    /// <inheritdoc />
    public Task<bool> DiscardAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken) =>
        UpdateStatusAsync("UPDATE documents SET status = 'discarded', updated_at = $1 WHERE id = $2 AND status = 'failed'",
            documentId, auditEvent, null, cancellationToken);

    /// <summary>Runs a guarded status update ($1 time, $2 id, $3 the key when given) and, when it matched, appends the audit event.</summary>
    private Task<bool> UpdateStatusAsync(string sql, Guid documentId, NewAuditEvent auditEvent, string? key, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using (var update = new NpgsqlCommand(sql, connection, tx))
            {
                update.Parameters.Add(Parameter(auditEvent.At.ToUniversalTime()));
                update.Parameters.Add(Parameter(documentId));
                if (key is not null)
                {
                    update.Parameters.Add(Parameter(key));
                }
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return (false, false);
                }
            }
            await AppendAuditCoreAsync(connection, tx, [auditEvent], cancellationToken);
            return (true, true);
        }, cancellationToken);
}
