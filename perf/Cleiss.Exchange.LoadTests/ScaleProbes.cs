using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// What the scale mode reads beside the hub: the store's own counts and query plans (read-only SQLite connections on the
/// hub's database), and the runtime's counters through <c>dotnet-counters</c> when it is installed.
/// </summary>
internal static class ScaleProbes
{
    /// <summary>The statements a document runs through the embedded store (SqliteHubStore's SQL, as written there) and SQLite's plan for each on the filled store.</summary>
    internal static void ExplainPlans(string database)
    {
        string[] statements =
        [
            "SELECT id, status, content_sha256 FROM documents WHERE direction = 'outbound' AND instance_id = 'x'",
            "SELECT state FROM cases WHERE case_id = 'x'",
            "INSERT INTO cases (case_id, buc, version, status, revision, state, close_at, updated_at) VALUES ('x', 'b', 'v', 'open', 1, '{}', NULL, 't') ON CONFLICT (case_id) DO NOTHING",
            "INSERT INTO documents (id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id, access_point_id, endpoint, pack_id, content_sha256, payload, status, partition, created_at, updated_at) VALUES ('x','i','outbound','s','c','b','s','r','a',NULL,'p','h',x'00','received',0,'t','t')",
            "INSERT INTO audit (document_id, at, stage, event, code, facts, prev_hash, hash) VALUES ('x','t','s','e',NULL,'{}','p','h')",
            "INSERT INTO log (topic, partition, offset, document_id, key, value, at) VALUES ('t', 0, 1, 'x', 'k', NULL, 0)",
            "SELECT offset, document_id, key, value, at FROM log WHERE topic = 'outbound' AND partition = 0 AND offset > 5 ORDER BY offset LIMIT 64",
            "SELECT 1 FROM outbox WHERE document_id = 'x' LIMIT 1",
            "SELECT 1 FROM outbox WHERE case_id = 'x' LIMIT 1",
            "INSERT INTO outbox (document_id, case_id, access_point_id, due_at, attempt, parked) VALUES ('x', 'c', 'a', 't', 1, (SELECT COALESCE(MAX(parked), 0) + 1 FROM outbox)) ON CONFLICT (document_id) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt",
            "SELECT document_id, attempt FROM outbox o WHERE due_at <= 't' AND parked = (SELECT MIN(parked) FROM outbox WHERE case_id = o.case_id) ORDER BY due_at LIMIT 32",
            "SELECT id FROM documents WHERE id = 'x'",
            "UPDATE documents SET status = 's', last_stage = 'l', signed_payload = COALESCE(NULL, signed_payload), receipt_id = COALESCE(NULL, receipt_id), updated_at = 't' WHERE id = 'x'",
            "INSERT INTO evidence (document_id, kind, media_type, content, at) VALUES ('x', 'k', 'm', x'00', 't') ON CONFLICT (document_id, kind) DO UPDATE SET content = excluded.content",
            "INSERT INTO log_offsets (grp, topic, partition, offset) VALUES ('g', 't', 0, 1) ON CONFLICT (grp, topic, partition) DO UPDATE SET offset = excluded.offset",
            "SELECT seq, document_id, at, stage, event, code, facts, prev_hash, hash FROM audit WHERE seq > 5 ORDER BY seq",
            "SELECT state FROM cases WHERE close_at IS NOT NULL AND close_at <= 't' AND status = 'open' ORDER BY close_at LIMIT 100",
        ];
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        Console.WriteLine($"EXPLAIN QUERY PLAN on {database}:");
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            using var r = command.ExecuteReader();
            var plan = new List<string>();
            while (r.Read())
            {
                plan.Add(r.GetString(3));
            }
            Console.WriteLine($"   {sql[..Math.Min(sql.Length, 90)]} → {(plan.Count == 0 ? "(no table access)" : string.Join("; ", plan))}");
        }
    }

    internal static Process? StartCounters(int pid, string output)
    {
        var tool = Environment.GetEnvironmentVariable("DOTNET_COUNTERS") is { Length: > 0 } configured ? configured : "/tmp/dntools/dotnet-counters";
        if (!File.Exists(tool))
        {
            return null;
        }
        var start = new ProcessStartInfo(tool, ["collect", "--process-id", pid.ToString(CultureInfo.InvariantCulture), "--counters", "System.Runtime", "--refresh-interval", "5", "--format", "csv", "--output", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start);
        if (process is not null)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        return process;
    }

    /// <summary>Peak and last value of each heap-size / committed-memory counter in dotnet-counters' CSV.</summary>
    internal static string CountersSummary(string csv)
    {
        if (!File.Exists(csv))
        {
            return "no file";
        }
        var wanted = new[] { "heap.size", "gc.committed", "Heap Size", "GC Committed", "working_set", "Working Set" };
        var rows = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')).Where(f => f.Length >= 5 && wanted.Any(w => f[2].Contains(w, StringComparison.Ordinal)))
            .Select(f => (Name: f[2], Value: double.TryParse(f[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)).ToList();
        return rows.Count == 0 ? "no heap counter in the file"
            : string.Join("; ", rows.GroupBy(r => r.Name).Select(g => $"{g.Key} peak {Mb(g.Max(r => r.Value), g.Key)} last {Mb(g.Last().Value, g.Key)}"));
    }

    internal static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    internal static long Count(string database, string sql)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>Log records of the delivery topic(s) after the delivery group's committed offset.</summary>
    internal static long Lag(string database) => Count(database, """
        SELECT COUNT(*) FROM log l LEFT JOIN log_offsets o ON o.grp = 'hub.delivery' AND o.topic = l.topic AND o.partition = l.partition
        WHERE l.document_id IS NOT NULL AND (o.offset IS NULL OR l.offset > o.offset)
        """);

    internal static string StatusCounts(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM documents GROUP BY status ORDER BY status";
        using var r = command.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            list.Add($"{r.GetString(0)} {r.GetInt64(1)}");
        }
        return string.Join(", ", list);
    }

    internal static string Mb(double value, string name) =>
        name.Contains("(By)", StringComparison.Ordinal) || name.Contains("By", StringComparison.Ordinal) ? $"{value / 1048576.0:0} MB" : value.ToString("0.#", CultureInfo.InvariantCulture);
}
