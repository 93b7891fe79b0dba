using System.Text.Json;
using Cleiss.Exchange.Hub.Pipeline;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>Dead letters: failed documents, put back on the stage log (replay) or discarded by an operator.</summary>
public sealed partial class SqliteHubStore
{
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.id, d.direction, d.sed_type, d.case_id, d.access_point_id, a.stage, COALESCE(a.code, ''), a.facts, a.at
            FROM documents d
            JOIN audit a ON a.seq = (SELECT MAX(seq) FROM audit WHERE document_id = d.id AND event = 'failed')
            WHERE d.status = 'failed'
            ORDER BY a.seq
            """;
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeadLetter>();
        while (await r.ReadAsync(cancellationToken))
        {
            var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7)) ?? [];
            list.Add(new DeadLetter(Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                facts.GetValueOrDefault("detail", string.Empty), ParseTime(r.GetString(8))));
        }
        return list;
    }

    /// <summary>
    /// Puts a failed document back on its stage log, in one transaction with its new status and the audit event; the
    /// delivery worker resumes it after its last completed stage. False when it is not (or no longer) failed.
    /// </summary>
    public async Task<bool> RequeueAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken)
    {
        (string Topic, int Partition)? appended = null;
        var done = await WriteAsync(async scope =>
        {
            string direction, caseId;
            int partition;
            await using (var find = scope.Command("SELECT direction, partition, last_stage, case_id FROM documents WHERE id = $id AND status = 'failed'"))
            {
                find.Parameters.AddWithValue("$id", documentId.ToString());
                await using var reader = await find.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return (false, false);
                }
                (direction, partition, caseId) = (reader.GetString(0), reader.GetInt32(1), reader.GetString(3));
                var signed = !reader.IsDBNull(2) && reader.GetString(2) == "sign";
                await reader.DisposeAsync();
                await using var update = scope.Command("UPDATE documents SET status = $status, updated_at = $at WHERE id = $id");
                update.Parameters.AddWithValue("$status", signed ? DocumentStatus.Signed : DocumentStatus.Accepted);
                update.Parameters.AddWithValue("$at", FormatTime(auditEvent.At));
                update.Parameters.AddWithValue("$id", documentId.ToString());
                await update.ExecuteNonQueryAsync(cancellationToken);
            }
            await AppendAuditCoreAsync(scope, [auditEvent], cancellationToken);
            var topic = HubPipeline.Topic(ParseDirection(direction));
            var offset = await NextOffsetAsync(scope, topic, partition, cancellationToken);
            await InsertLogRecordAsync(scope, topic, partition, offset, documentId, caseId, null, auditEvent.At, cancellationToken);
            scope.Allocated(topic, partition, offset);
            appended = (topic, partition);
            return (true, true);
        }, cancellationToken);
        if (done && appended is { } at)
        {
            Appended?.Invoke(at.Topic, at.Partition);
        }
        return done;
    }

    /// <summary>Marks a failed document discarded, with the audit event that says who and why. False when it is not failed.</summary>
    public Task<bool> DiscardAsync(Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using (var update = scope.Command("UPDATE documents SET status = 'discarded', updated_at = $at WHERE id = $id AND status = 'failed'"))
            {
                update.Parameters.AddWithValue("$at", FormatTime(auditEvent.At));
                update.Parameters.AddWithValue("$id", documentId.ToString());
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return (false, false);
                }
            }
            await AppendAuditCoreAsync(scope, [auditEvent], cancellationToken);
            return (true, true);
        }, cancellationToken);
}
