using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>
/// The embedded store: one SQLite database in WAL mode with <c>synchronous=FULL</c>, so a commit
/// is on disk when it returns. Writes go through one connection, serialised; reads use pooled
/// connections and run beside them. The stage log lives in the same database, so an intake and
/// its log record commit atomically.
/// </summary>
public sealed partial class SqliteHubStore : IHubStore, IStageLog, Audit.IAuditLedgerStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _path;
    private readonly ILogger<SqliteHubStore> _logger;
    private readonly int _partitions;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<(string Topic, int Partition), long> _nextOffsets = [];
    private SqliteConnection? _writer;
    private FileStream? _processLock;
    private string _lastHash = GenesisHash;

    /// <summary>
    /// Fault injection for the crash and fault tests: while it returns true, every write fails at its commit with a
    /// disk I/O error and is rolled back, as if the disk had failed. Never set in production.
    /// </summary>
    internal Func<bool>? WriteFault { get; set; }

    internal const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public SqliteHubStore(IOptions<HubOptions> options, ILogger<SqliteHubStore> logger)
    {
        Directory.CreateDirectory(options.Value.DataDirectory);
        _path = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "hub.db"));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _logger = logger;
        _partitions = options.Value.Partitions;
    }

    /// <inheritdoc />
    public event Action<string, int>? Appended;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_writer is not null)
            {
                return;
            }
            // One hub process per data folder: a second one would fork the audit chain and the log offsets.
            var lockPath = Path.Combine(Path.GetDirectoryName(_path)!, "hub.lock");
            try
            {
                _processLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException($"Another hub process is using {Path.GetDirectoryName(_path)}.", ex);
            }
            var writer = new SqliteConnection(_connectionString);
            try
            {
                await writer.OpenAsync(cancellationToken);
                await ExecuteAsync(writer, null, SchemaSql, cancellationToken);
                await UpgradeLogAsync(writer, cancellationToken);
                await using (var last = writer.CreateCommand())
                {
                    last.CommandText = "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1";
                    _lastHash = await last.ExecuteScalarAsync(cancellationToken) as string ?? GenesisHash;
                }
                await CheckPartitionCountAsync(writer, cancellationToken);
            }
            catch
            {
                await writer.DisposeAsync();
                await _processLock.DisposeAsync();
                _processLock = null;
                throw;
            }
            _writer = writer;
            Log.StoreOpened(_logger, _path);
        }
        finally
        {
            _writeLock.Release();
            HandOffQueuedWrites();
        }
    }

    /// <inheritdoc />
    public async Task<IntakeCommitResult> CommitIntakeAsync(DocumentRecord document, IReadOnlyList<NewAuditEvent> events, string topic, CancellationToken cancellationToken, CaseTransition? caseTransition = null)
    {
        var result = await WriteAsync(async scope =>
        {
            await using (var find = scope.Command("SELECT id, status, content_sha256 FROM documents WHERE direction = $d AND instance_id = $i"))
            {
                find.Parameters.AddWithValue("$d", document.Direction.ToWireName());
                find.Parameters.AddWithValue("$i", document.InstanceIdentifier);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    return (new IntakeCommitResult(Guid.Parse(reader.GetString(0)), reader.GetString(1), Created: false,
                        SameContent: string.Equals(reader.GetString(2), document.ContentSha256, StringComparison.Ordinal)), false);
                }
            }
            if (caseTransition is not null && !await ApplyCaseTransitionAsync(scope, caseTransition, document.UpdatedAt, cancellationToken))
            {
                return (new IntakeCommitResult(document.Id, document.Status, Created: false, SameContent: false, CaseConflict: true), false);
            }
            await InsertDocumentAsync(scope, document, cancellationToken);
            await AppendAuditCoreAsync(scope, events, cancellationToken);
            var offset = await NextOffsetAsync(scope, topic, document.Partition, cancellationToken);
            await InsertLogRecordAsync(scope, topic, document.Partition, offset, document.Id, document.CaseId, null, document.CreatedAt, cancellationToken);
            scope.Allocated(topic, document.Partition, offset);
            return (new IntakeCommitResult(document.Id, document.Status, Created: true, SameContent: true), true);
        }, cancellationToken);
        if (result.Created)
        {
            Appended?.Invoke(topic, document.Partition);
        }
        return result;
    }

    private static async Task InsertDocumentAsync(WriteScope scope, DocumentRecord document, CancellationToken cancellationToken)
    {
        await using var insert = scope.Command("""
            INSERT INTO documents (id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id,
                access_point_id, endpoint, pack_id, content_sha256, payload, signed_payload, receipt_id, status, last_stage,
                partition, created_at, updated_at)
            VALUES ($id, $instance, $direction, $sed, $case, $service, $sender, $receiver, $ap, $endpoint, $pack, $sha,
                $payload, $signed, $receipt, $status, $stage, $partition, $created, $updated)
            """);
        var p = insert.Parameters;
        p.AddWithValue("$id", document.Id.ToString());
        p.AddWithValue("$instance", document.InstanceIdentifier);
        p.AddWithValue("$direction", document.Direction.ToWireName());
        p.AddWithValue("$sed", document.SedType);
        p.AddWithValue("$case", document.CaseId);
        p.AddWithValue("$service", document.BusinessService);
        p.AddWithValue("$sender", document.SenderId);
        p.AddWithValue("$receiver", document.ReceiverId);
        p.AddWithValue("$ap", document.AccessPointId);
        p.AddWithValue("$endpoint", (object?)document.Endpoint ?? DBNull.Value);
        p.AddWithValue("$pack", document.PackId);
        p.AddWithValue("$sha", document.ContentSha256);
        p.AddWithValue("$payload", document.Payload);
        p.AddWithValue("$signed", (object?)document.SignedPayload ?? DBNull.Value);
        p.AddWithValue("$receipt", (object?)document.ReceiptId ?? DBNull.Value);
        p.AddWithValue("$status", document.Status);
        p.AddWithValue("$stage", (object?)document.LastStage ?? DBNull.Value);
        p.AddWithValue("$partition", document.Partition);
        p.AddWithValue("$created", FormatTime(document.CreatedAt));
        p.AddWithValue("$updated", FormatTime(document.UpdatedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<bool> ApplyCaseTransitionAsync(WriteScope scope, CaseTransition transition, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var state = transition.NewState;
        await using var command = scope.Command(transition.ExpectedRevision == 0
            ? """
              INSERT INTO cases (case_id, buc, version, status, revision, state, close_at, updated_at)
              VALUES ($id, $buc, $version, $status, $revision, $state, $close, $at) ON CONFLICT (case_id) DO NOTHING
              """
            : "UPDATE cases SET status = $status, revision = $revision, state = $state, close_at = $close, updated_at = $at WHERE case_id = $id AND revision = $expected");
        command.Parameters.AddWithValue("$id", state.CaseId);
        command.Parameters.AddWithValue("$buc", state.Buc);
        command.Parameters.AddWithValue("$version", state.Version);
        command.Parameters.AddWithValue("$status", state.Status);
        command.Parameters.AddWithValue("$revision", state.Revision);
        command.Parameters.AddWithValue("$state", JsonSerializer.Serialize(state));
        command.Parameters.AddWithValue("$at", FormatTime(at));
        command.Parameters.AddWithValue("$expected", transition.ExpectedRevision);
        command.Parameters.AddWithValue("$close", state.CloseAt is { } close && state.Status == "open" ? FormatTime(close) : DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <inheritdoc />
    public Task<bool> CloseCaseByTimerAsync(CaseState state, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (transition, closedEvent) = TimerClosing(state, at);
        return WriteAsync(async scope =>
        {
            if (!await ApplyCaseTransitionAsync(scope, transition, at, cancellationToken))
            {
                return (false, false); // the case changed meanwhile: the next sweep decides again
            }
            await AppendAuditCoreAsync(scope, [closedEvent], cancellationToken);
            return (true, true);
        }, cancellationToken);
    }

    /// <summary>What closing a case by its timer writes (every store): the closed state and the <c>case-closed</c> audit event.</summary>
    internal static (CaseTransition Transition, NewAuditEvent Event) TimerClosing(CaseState state, DateTimeOffset at)
    {
        var closed = state with { Status = "closed", CloseAt = null, Revision = state.Revision + 1 };
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["caseId"] = state.CaseId,
            ["buc"] = state.Buc,
            ["rule"] = state.TimerRule ?? "timer",
            ["dueAt"] = state.CloseAt is { } due ? FormatTime(due) : string.Empty,
        };
        return (new CaseTransition(closed, state.Revision, "closed by timer"), new NewAuditEvent(state.TimerDocumentId ?? Guid.Empty, at, "case", "case-closed", null, facts));
    }

    /// <inheritdoc />
    public Task AppendAuditAsync(IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await AppendAuditCoreAsync(scope, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    /// <inheritdoc />
    public Task RecordProgressAsync(Guid documentId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await UpdateProgressAsync(scope, documentId, progress, events, cancellationToken);
            await AppendAuditCoreAsync(scope, events, cancellationToken);
            return (true, true);
        }, cancellationToken);

    private static async Task UpdateProgressAsync(WriteScope scope, Guid documentId, DocumentProgress progress, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
    {
        await using var update = scope.Command("""
            UPDATE documents SET status = $status, last_stage = $stage,
                signed_payload = COALESCE($signed, signed_payload), receipt_id = COALESCE($receipt, receipt_id),
                updated_at = $updated
            WHERE id = $id
            """);
        update.Parameters.AddWithValue("$status", progress.Status);
        update.Parameters.AddWithValue("$stage", progress.LastStage);
        update.Parameters.AddWithValue("$signed", (object?)progress.SignedPayload ?? DBNull.Value);
        update.Parameters.AddWithValue("$receipt", (object?)progress.ReceiptId ?? DBNull.Value);
        update.Parameters.AddWithValue("$updated", FormatTime(events.Count > 0 ? events[^1].At : DateTimeOffset.UnixEpoch));
        update.Parameters.AddWithValue("$id", documentId.ToString());
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> AcknowledgeAsync(string institutionId, Guid documentId, NewAuditEvent auditEvent, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using (var update = scope.Command("""
                UPDATE documents SET status = 'acknowledged', updated_at = $updated
                WHERE id = $id AND receiver_id = $receiver AND direction = 'inbound' AND status = 'delivered'
                """))
            {
                update.Parameters.AddWithValue("$updated", FormatTime(auditEvent.At));
                update.Parameters.AddWithValue("$id", documentId.ToString());
                update.Parameters.AddWithValue("$receiver", institutionId);
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return (false, false);
                }
            }
            await AppendAuditCoreAsync(scope, [auditEvent], cancellationToken);
            return (true, true);
        }, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
            if (_processLock is not null)
            {
                await _processLock.DisposeAsync();
                _processLock = null;
            }
        }
        finally
        {
            _writeLock.Release();
            HandOffQueuedWrites();
        }
        SqliteConnection.ClearAllPools();
    }

    /// <summary>
    /// The partition of a case must not change while its records wait in the log (order per case,
    /// records stranded in partitions that no longer exist): a new partition count is accepted only
    /// once every log record has been consumed.
    /// </summary>
    private async Task CheckPartitionCountAsync(SqliteConnection writer, CancellationToken cancellationToken)
    {
        await using var read = writer.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = 'partitions'";
        var stored = await read.ExecuteScalarAsync(cancellationToken) as string;
        var configured = _partitions.ToString(CultureInfo.InvariantCulture);
        if (stored == configured)
        {
            return;
        }
        if (stored is not null)
        {
            await using var pending = writer.CreateCommand();
            pending.CommandText = """
                SELECT COUNT(*) FROM log l LEFT JOIN log_offsets o
                    ON o.grp = 'hub.delivery' AND o.topic = l.topic AND o.partition = l.partition
                WHERE o.offset IS NULL OR l.offset > o.offset
                """;
            var waiting = (long)(await pending.ExecuteScalarAsync(cancellationToken) ?? 0L);
            if (waiting > 0)
            {
                throw new InvalidOperationException(
                    $"Hub:Partitions changed from {stored} to {configured} while {waiting} log record(s) wait; start with {stored} until they are delivered.");
            }
            // Drained: the offsets of the old layout no longer mean anything for new records.
            await ExecuteAsync(writer, null, "DELETE FROM log_offsets; DELETE FROM log;", cancellationToken);
        }
        await using var write = writer.CreateCommand();
        write.CommandText = "INSERT INTO meta (key, value) VALUES ('partitions', $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        write.Parameters.AddWithValue("$v", configured);
        await write.ExecuteNonQueryAsync(cancellationToken);
    }

    private SqliteConnection Writer => _writer ?? throw new InvalidOperationException("The store is not initialised: call InitializeAsync first.");

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw StorageFailure(ex);
        }
    }

    /// <summary>Appends events to the hash chain inside the scope's transaction; the chain head moves only if it commits.</summary>
    private static async Task AppendAuditCoreAsync(WriteScope scope, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        var previous = scope.ChainHead;
        await using var insert = scope.Command("""
            INSERT INTO audit (document_id, at, stage, event, code, facts, prev_hash, hash)
            VALUES ($doc, $at, $stage, $event, $code, $facts, $prev, $hash)
            """);
        var doc = insert.Parameters.Add("$doc", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        var stage = insert.Parameters.Add("$stage", SqliteType.Text);
        var evt = insert.Parameters.Add("$event", SqliteType.Text);
        var code = insert.Parameters.Add("$code", SqliteType.Text);
        var facts = insert.Parameters.Add("$facts", SqliteType.Text);
        var prev = insert.Parameters.Add("$prev", SqliteType.Text);
        var hash = insert.Parameters.Add("$hash", SqliteType.Text);
        foreach (var e in events)
        {
            var docId = e.DocumentId.ToString();
            var time = FormatTime(e.At);
            var factsJson = JsonSerializer.Serialize(e.Facts);
            var next = ChainHash(previous, docId, time, e.Stage, e.Event, e.Code, factsJson);
            doc.Value = docId;
            at.Value = time;
            stage.Value = e.Stage;
            evt.Value = e.Event;
            code.Value = (object?)e.Code ?? DBNull.Value;
            facts.Value = factsJson;
            prev.Value = previous;
            hash.Value = next;
            await insert.ExecuteNonQueryAsync(cancellationToken);
            previous = next;
        }
        scope.ChainHead = previous;
    }

    internal static string ChainHash(string previous, string documentId, string at, string stage, string evt, string? code, string factsJson)
    {
        var text = string.Join('\u001f', previous, documentId, at, stage, evt, code ?? string.Empty, factsJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private HubStorageException StorageFailure(SqliteException ex)
    {
        Log.StoreWriteFailed(_logger, ex);
        return new HubStorageException("The embedded store could not complete the operation.", ex);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Direction ParseDirection(string value) => value == "outbound" ? Direction.Outbound : Direction.Inbound;

    internal static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
