namespace Cleiss.Exchange.Hub.Storage;

/// <summary>The durable outbox (table <c>outbox</c>).</summary>
public sealed partial class SqliteHubStore : IOutboxStore
{
    public Task ParkAsync(Guid documentId, string caseId, string accessPointId, DateTimeOffset dueAt, int attempt, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var upsert = scope.Command("""
                INSERT INTO outbox (document_id, case_id, access_point_id, due_at, attempt, parked)
                VALUES ($doc, $case, $ap, $due, $attempt, (SELECT COALESCE(MAX(parked), 0) + 1 FROM outbox))
                ON CONFLICT (document_id) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt
                """);
            upsert.Parameters.AddWithValue("$doc", documentId.ToString());
            upsert.Parameters.AddWithValue("$case", caseId);
            upsert.Parameters.AddWithValue("$ap", accessPointId);
            upsert.Parameters.AddWithValue("$due", FormatTime(dueAt));
            upsert.Parameters.AddWithValue("$attempt", attempt);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public Task UnparkAsync(Guid documentId, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var delete = scope.Command("DELETE FROM outbox WHERE document_id = $doc");
            delete.Parameters.AddWithValue("$doc", documentId.ToString());
            return (true, await delete.ExecuteNonQueryAsync(cancellationToken) > 0);
        }, cancellationToken);

    public Task<bool> IsParkedAsync(Guid documentId, CancellationToken cancellationToken) =>
        ExistsAsync("SELECT 1 FROM outbox WHERE document_id = $key LIMIT 1", documentId.ToString(), cancellationToken);

    public Task<bool> IsCaseParkedAsync(string caseId, CancellationToken cancellationToken) =>
        ExistsAsync("SELECT 1 FROM outbox WHERE case_id = $key LIMIT 1", caseId, cancellationToken);

    public async Task<IReadOnlyList<OutboxEntry>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT document_id, attempt FROM outbox o
            WHERE due_at <= $now AND parked = (SELECT MIN(parked) FROM outbox WHERE case_id = o.case_id)
            ORDER BY due_at LIMIT $limit
            """;
        command.Parameters.AddWithValue("$now", FormatTime(now));
        command.Parameters.AddWithValue("$limit", limit);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<OutboxEntry>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new OutboxEntry(Guid.Parse(r.GetString(0)), r.GetInt32(1)));
        }
        return list;
    }

    /// <remarks>Known difference: one process owns a SQLite store, so nothing else can take an entry and none is leased
    /// (a lease would only hold entries back after a restart).</remarks>
    public Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken) =>
        DueAsync(now, limit, cancellationToken);

    public async Task<int> CountParkedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM outbox";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<bool> ExistsAsync(string sql, string key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
