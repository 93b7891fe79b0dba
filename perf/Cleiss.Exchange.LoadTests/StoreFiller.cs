using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cleiss.Exchange.Hub.Pipeline;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.LoadTests;

/// <summary>What <see cref="StoreFiller.Fill"/> wrote.</summary>
internal sealed record FillResult(int Templates, long Documents, long AuditRows, long EvidenceRows, double Seconds, long FileBytes);

/// <summary>
/// Fills a stopped hub's embedded store (hub.db) with clones of the outbound documents it already <b>delivered</b>
/// (the templates: real rows the hub wrote itself, so every column is as the hub writes it). Each clone gets a fresh
/// document id, InstanceIdentifier and case id, replaced in every text column that carries them (documents, cases
/// (state JSON), audit facts, log keys); its times are those of its template moved into the past, one clone per
/// <see cref="Step"/>. Per clone it writes, in the tables of SqliteHubStore.Schema.cs: the documents row (payload and
/// signed payload: the template's bytes, unchanged), its case row, its audit rows appended to the hash chain (each
/// hash computed as SqliteHubStore.ChainHash does, from the chain head in the file), its evidence rows (the template's
/// bytes), and its stage-log record at the next offset of its partition (IntakeService.PartitionOf of the new case id);
/// the consumer offsets that were at the end of a partition before the fill are moved to its new end, so the records are
/// committed past and the hub does not deliver them again. No audit checkpoint is added: the hub signs one over the new
/// entries when it starts. Written without a journal and without fsync, in transactions of <see cref="Batch"/> clones
/// (a fresh store: a crash during the fill just means filling again); the hub sets WAL again when it opens the file.
/// </summary>
internal static class StoreFiller
{
    private const int Batch = 20_000;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private sealed record Template(
        object[] Document, string Id, string InstanceId, string CaseId, DateTimeOffset CreatedAt,
        List<object?[]> Audit, List<object[]> Evidence, object?[]? Case, string Topic);

    public static FillResult Fill(string database, long count, Action<long>? progress = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = DELETE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA foreign_keys = OFF;");
        var templates = ReadTemplates(connection);
        if (templates.Count == 0)
        {
            throw new InvalidOperationException($"{database} has no delivered outbound document to clone.");
        }
        var partitions = int.Parse(Scalar(connection, "SELECT value FROM meta WHERE key = 'partitions'") as string ?? "4", CultureInfo.InvariantCulture);
        var head = Scalar(connection, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1") as string ?? new string('0', 64);
        var next = new Dictionary<(string, int), long>();
        using (var r = Command(connection, "SELECT topic, partition, MAX(offset) FROM log GROUP BY topic, partition").ExecuteReader())
        {
            while (r.Read())
            {
                next[(r.GetString(0), r.GetInt32(1))] = r.GetInt64(2) + 1;
            }
        }
        // Consumer offsets at the end of their partition (everything consumed) move to the new end after the fill.
        var caughtUp = new List<(string Group, string Topic, int Partition)>();
        using (var r = Command(connection, "SELECT grp, topic, partition, offset FROM log_offsets").ExecuteReader())
        {
            while (r.Read())
            {
                if (next.TryGetValue((r.GetString(1), r.GetInt32(2)), out var end) && r.GetInt64(3) == end - 1)
                {
                    caughtUp.Add((r.GetString(0), r.GetString(1), r.GetInt32(2)));
                }
            }
        }

        using var insertDocument = Command(connection, """
            INSERT INTO documents (id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id,
                access_point_id, endpoint, pack_id, content_sha256, payload, signed_payload, receipt_id, status, last_stage,
                partition, created_at, updated_at)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12, $p13, $p14, $p15, $p16, $p17, $p18, $p19)
            """, 20);
        using var insertAudit = Command(connection, "INSERT INTO audit (document_id, at, stage, event, code, facts, prev_hash, hash) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7)", 8);
        using var insertEvidence = Command(connection, "INSERT INTO evidence (document_id, kind, media_type, content, at) VALUES ($p0, $p1, $p2, $p3, $p4)", 5);
        using var insertCase = Command(connection, "INSERT INTO cases (case_id, buc, version, status, revision, state, close_at, updated_at) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7)", 8);
        using var insertLog = Command(connection, "INSERT INTO log (topic, partition, offset, document_id, key, value, at) VALUES ($p0, $p1, $p2, $p3, $p4, NULL, $p5)", 6);

        var oldest = DateTimeOffset.UtcNow - (count + 1) * Step - TimeSpan.FromHours(1);
        long auditRows = 0, evidenceRows = 0;
        SqliteTransaction? tx = null;
        for (long i = 0; i < count; i++)
        {
            if (i % Batch == 0)
            {
                tx?.Commit();
                tx?.Dispose();
                tx = connection.BeginTransaction();
                foreach (var command in new[] { insertDocument, insertAudit, insertEvidence, insertCase, insertLog })
                {
                    command.Transaction = tx;
                }
                progress?.Invoke(i);
            }
            var t = templates[(int)(i % templates.Count)];
            var shift = oldest + i * Step - t.CreatedAt;
            var id = Guid.NewGuid().ToString();
            var instance = Guid.NewGuid().ToString();
            var stem = t.CaseId.Length > 48 ? t.CaseId[..48] : t.CaseId;
            // Unique by construction ('z' + 7 hex digits: random 8-hex-digit suffixes collide by the birthday bound at this count).
            var caseId = $"{stem}-z{i.ToString("x7", CultureInfo.InvariantCulture)}";
            string Swap(string text) => text.Replace(t.Id, id, StringComparison.Ordinal).Replace(t.InstanceId, instance, StringComparison.Ordinal).Replace(t.CaseId, caseId, StringComparison.Ordinal);
            var partition = IntakeService.PartitionOf(caseId, partitions);

            var d = (object[])t.Document.Clone();
            (d[0], d[1], d[4], d[17], d[18], d[19]) = (id, instance, caseId, partition, Shift((string)d[18], shift), Shift((string)d[19], shift));
            Run(insertDocument, d);
            if (t.Case is { } c)
            {
                Run(insertCase, [caseId, c[1], c[2], c[3], c[4], Swap((string)c[5]!), c[6], Shift((string)c[7]!, shift)]);
            }
            foreach (var a in t.Audit)
            {
                var at = Shift((string)a[1]!, shift);
                var facts = Swap((string)a[5]!);
                var hash = ChainHash(head, id, at, (string)a[2]!, (string)a[3]!, a[4] as string, facts);
                Run(insertAudit, [id, at, a[2], a[3], a[4], facts, head, hash]);
                head = hash;
                auditRows++;
            }
            foreach (var e in t.Evidence)
            {
                Run(insertEvidence, [id, e[1], e[2], e[3], Shift((string)e[4], shift)]);
                evidenceRows++;
            }
            var key = (t.Topic, partition);
            var offset = next.TryGetValue(key, out var o) ? o : 0;
            next[key] = offset + 1;
            Run(insertLog, [t.Topic, partition, offset, id, caseId, (oldest + i * Step).ToUnixTimeMilliseconds()]);
        }
        // Every partition of a topic a group had consumed to the end, including partitions that had no record before.
        foreach (var (group, topic) in caughtUp.Select(c => (c.Group, c.Topic)).Distinct().ToList())
        {
            foreach (var ((t, partition), end) in next.Where(n => n.Key.Item1 == topic))
            {
                using var move = Command(connection, "INSERT INTO log_offsets (grp, topic, partition, offset) VALUES ($p0, $p1, $p2, $p3) ON CONFLICT (grp, topic, partition) DO UPDATE SET offset = excluded.offset", 4);
                move.Transaction = tx;
                Run(move, [group, t, partition, end - 1]);
            }
        }
        tx?.Commit();
        tx?.Dispose();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        progress?.Invoke(count);
        return new FillResult(templates.Count, count, auditRows, evidenceRows, Stopwatch.GetElapsedTime(started).TotalSeconds, new FileInfo(database).Length);
    }

    private static List<Template> ReadTemplates(SqliteConnection connection)
    {
        var list = new List<Template>();
        using (var r = Command(connection, "SELECT id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id, access_point_id, endpoint, pack_id, content_sha256, payload, signed_payload, receipt_id, status, last_stage, partition, created_at, updated_at FROM documents WHERE direction = 'outbound' AND status = 'delivered' ORDER BY created_at").ExecuteReader())
        {
            while (r.Read())
            {
                var row = new object[20];
                r.GetValues(row);
                list.Add(new Template(row, (string)row[0], (string)row[1], (string)row[4], ParseTime((string)row[18]), [], [], null, ""));
            }
        }
        return list.Select(t =>
        {
            var audit = Rows(connection, "SELECT document_id, at, stage, event, code, facts FROM audit WHERE document_id = $p0 ORDER BY seq", t.Id);
            var evidence = Rows(connection, "SELECT document_id, kind, media_type, content, at FROM evidence WHERE document_id = $p0 ORDER BY kind", t.Id).Select(e => e.Cast<object>().ToArray()).ToList();
            var @case = Rows(connection, "SELECT case_id, buc, version, status, revision, state, close_at, updated_at FROM cases WHERE case_id = $p0", t.CaseId).FirstOrDefault();
            var topic = Rows(connection, "SELECT topic FROM log WHERE document_id = $p0", t.Id).Select(l => (string)l[0]!).FirstOrDefault() ?? "outbound";
            return t with { Audit = audit, Evidence = evidence, Case = @case, Topic = topic };
        }).ToList();
    }

    /// <summary>The audit chain link, as SqliteHubStore.ChainHash computes it (fields joined by U+001F, SHA-256, lower-case hex).</summary>
    private static string ChainHash(string previous, string documentId, string at, string stage, string evt, string? code, string factsJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', previous, documentId, at, stage, evt, code ?? string.Empty, factsJson))));

    private static DateTimeOffset ParseTime(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>A stored time (SqliteHubStore.FormatTime's format) moved by <paramref name="shift"/>.</summary>
    private static string Shift(string value, TimeSpan shift) =>
        (ParseTime(value) + shift).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static List<object?[]> Rows(SqliteConnection connection, string sql, string argument)
    {
        using var command = Command(connection, sql, 1);
        command.Parameters[0].Value = argument;
        using var r = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object[r.FieldCount];
            r.GetValues(row);
            rows.Add(row.Select(v => v is DBNull ? null : v).ToArray());
        }
        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, int parameters = 0)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var p = 0; p < parameters; p++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + p.ToString(CultureInfo.InvariantCulture), null));
        }
        return command;
    }

    private static void Run(SqliteCommand command, object?[] values)
    {
        for (var p = 0; p < values.Length; p++)
        {
            command.Parameters[p].Value = values[p] ?? DBNull.Value;
        }
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
