using System.Globalization;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>
/// Versioned schema migrations: the numbered SQL scripts embedded in this assembly (<c>Migrations/NNNN_name.sql</c>),
/// applied in order at start in one transaction, each recorded in <c>schema_migrations</c>. A transaction-scoped
/// advisory lock makes nodes starting together apply them once. A database newer than the code is refused.
/// </summary>
public static class PostgresMigrations
{
    private const string ResourcePrefix = "Cleiss.Exchange.Hub.Postgres.Migrations.";

    // Any constant shared by every node: serialises concurrent starts on one database.
    private const long AdvisoryLockKey = 0x436C65697373; // "Cleiss"

    /// <summary>The migrations this code knows, in order: (version, name, SQL).</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Known { get; } = Load();

    /// <summary>The newest schema version this code knows.</summary>
    public static int LatestVersion => Known.Count == 0 ? 0 : Known[^1].Version;

    /// <summary>Applies the pending migrations; returns how many were applied.</summary>
    /// <exception cref="InvalidOperationException">The database has a version this code does not know.</exception>
    public static async Task<int> ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        await ExecuteAsync(connection, tx, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);
        int current;
        await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection, tx))
        {
            current = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
        }
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema is at version {current}, newer than this hub knows ({LatestVersion}); run a hub at least as new as the one that migrated it.");
        }
        var applied = 0;
        foreach (var (version, name, sql) in Known)
        {
            if (version <= current)
            {
                continue;
            }
            await ExecuteAsync(connection, tx, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, tx);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await record.ExecuteNonQueryAsync(cancellationToken);
            applied++;
        }
        await tx.CommitAsync(cancellationToken);
        return applied;
    }

    private static List<(int Version, string Name, string Sql)> Load()
    {
        var assembly = typeof(PostgresMigrations).Assembly;
        var list = new List<(int Version, string Name, string Sql)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }
            var name = resource[ResourcePrefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            list.Add((version, name, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration versions must be 1, 2, 3 … without gaps; found {list[i].Name}.");
            }
        }
        return list;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
