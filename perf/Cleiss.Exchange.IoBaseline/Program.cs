using System.Globalization;
using System.Security.Cryptography;
using Cleiss.Exchange.IoBaseline;

// The I/O bound: POST /api/v1/documents → one SQLite transaction (WAL, synchronous=FULL, one writer connection under a
// lock, as SqliteHubStore does) inserting the body as a row of the hub's shape → 202 with an id. Nothing else: no parse,
// no validation, no audit, no stage log. Arguments: --urls http://127.0.0.1:PORT --data FOLDER.
var urls = Option(args, "--urls") ?? "http://127.0.0.1:5190";
var data = Option(args, "--data") ?? Path.Combine(Path.GetTempPath(), "cleiss-io-baseline");
Directory.CreateDirectory(data);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(urls);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 4 * 1024 * 1024);
await using var store = await DurableStore.OpenAsync(Path.Combine(data, "io-baseline.db"));
var app = builder.Build();

app.MapGet("/health/ready", () => Results.Ok());
app.MapPost("/api/v1/documents", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer, cancellationToken);
    var body = buffer.ToArray();
    var id = Guid.CreateVersion7();
    await store.InsertAsync(id, body, cancellationToken);
    return Results.Accepted($"/api/v1/documents/{id}", new { id, status = "accepted" });
});
await app.RunAsync();
return 0;

static string? Option(string[] args, string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

namespace Cleiss.Exchange.IoBaseline
{
    /// <summary>
    /// One SQLite database in WAL mode with <c>synchronous=FULL</c> (the WAL is fsynced on every commit), written through one
    /// connection under a lock, one transaction per document: the hub's embedded store's durability, without its work.
    /// The row has the hub's documents columns (ids, routing text, the payload, its SHA-256, times), so a row is the same size.
    /// </summary>
    internal sealed class DurableStore : IAsyncDisposable
    {
        private readonly Microsoft.Data.Sqlite.SqliteConnection _writer;
        private readonly SemaphoreSlim _lock = new(1, 1);

        private DurableStore(Microsoft.Data.Sqlite.SqliteConnection writer) => _writer = writer;

        public static async Task<DurableStore> OpenAsync(string path)
        {
            var writer = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
                Cache = Microsoft.Data.Sqlite.SqliteCacheMode.Private,
                Pooling = true,
                DefaultTimeout = 30,
            }.ToString());
            await writer.OpenAsync();
            await using var schema = writer.CreateCommand();
            schema.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS documents (
                    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, direction TEXT NOT NULL, sed_type TEXT NOT NULL,
                    case_id TEXT NOT NULL, business_service TEXT NOT NULL, sender_id TEXT NOT NULL, receiver_id TEXT NOT NULL,
                    access_point_id TEXT NOT NULL, pack_id TEXT NOT NULL, content_sha256 TEXT NOT NULL, payload BLOB NOT NULL,
                    status TEXT NOT NULL, partition INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                """;
            await schema.ExecuteNonQueryAsync();
            return new DurableStore(writer);
        }

        public async Task InsertAsync(Guid id, byte[] body, CancellationToken cancellationToken)
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(body));
            var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            await _lock.WaitAsync(cancellationToken);
            try
            {
                await using var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
                await using var insert = _writer.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = """
                    INSERT INTO documents (id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id,
                        access_point_id, pack_id, content_sha256, payload, status, partition, created_at, updated_at)
                    VALUES ($id, $instance, 'outbound', 'P2100', $case, 'P_BUC_02:4.4', 'FR:CIN0000001', 'BE:SFP000001',
                        'BE:AP0001', 'eessi-4.4', $sha, $payload, 'accepted', 0, $now, $now)
                    """;
                insert.Parameters.AddWithValue("$id", id.ToString());
                insert.Parameters.AddWithValue("$instance", Guid.NewGuid().ToString());
                insert.Parameters.AddWithValue("$case", "FR-2026-P02-" + id.ToString("N")[..12]);
                insert.Parameters.AddWithValue("$sha", sha);
                insert.Parameters.AddWithValue("$payload", body);
                insert.Parameters.AddWithValue("$now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                await tx.CommitAsync(cancellationToken);
            }
            finally
            {
                _lock.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _writer.DisposeAsync();
            _lock.Dispose();
        }
    }
}
