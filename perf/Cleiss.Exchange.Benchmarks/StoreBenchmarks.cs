using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The embedded store's per-document writes on a real <see cref="SqliteHubStore"/> (WAL, <c>synchronous=FULL</c>, as in
/// production: every commit fsyncs the WAL before it returns) in a temporary folder on the machine's disk:
/// <list type="bullet">
/// <item><see cref="CommitIntake"/>: the moment of acceptance, <c>CommitIntakeAsync</c> of the document with the audit
/// events its outbound intake produced (accepted, validated, routed: taken from a real StageRunner run in setup), the
/// dedup lookup, the documents row, three hash-chained audit rows and the stage-log record, in one transaction.</item>
/// <item><see cref="RecordProgress"/>: a stage transition of the delivery segment, <c>RecordProgressAsync</c> of the
/// sign stage's transition (status signed, the signed bytes, the <c>signed</c> audit event with the sign stage's facts).</item>
/// <item><see cref="AppendAudit"/>: <c>AppendAuditAsync</c> of one event (a refusal, as IntakeService.RefuseAsync writes it);
/// it does not depend on the document size: the two sizes are two measurements of the same work.</item>
/// <item><see cref="RawInsertCommit"/> (baseline, the I/O bound): one INSERT of the same bytes into a two-column table of
/// another database in the same folder, same pragmas, one transaction per document, a prepared command.</item>
/// </list>
/// fsync dominates all four, so the times are the disk's (and noisy); allocations are not. The store is not reset:
/// it grows for the length of a case (one process per case, the folder is deleted in GlobalCleanup); the
/// size reached is printed at the end of each case. No case transition is written (the benchmark runs without
/// case rules, like <see cref="ValidationBenchmarks"/>).
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private string _folder = string.Empty;
    private SqliteHubStore _store = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _rawInsert = null!;
    private SqliteParameter _rawId = null!;
    private DocumentRecord _template = null!;
    private List<NewAuditEvent> _intakeEvents = [];
    private Guid _progressId;
    private byte[] _signed = [];
    private IReadOnlyDictionary<string, string> _signFacts = null!;
    private IReadOnlyDictionary<string, string> _refusalFacts = null!;
    private long _sequence;

    [Params("5KB", "50KB")]
    public string Size { get; set; } = "5KB";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        var bytes = Size == "5KB" ? HubWorkload.SmallDocument() : HubWorkload.LargeDocument();
        _folder = Path.Combine(Path.GetTempPath(), $"cleiss-bdn-store-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var hub = Options.Create(new HubOptions { DataDirectory = _folder });
        _store = new SqliteHubStore(hub, NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);

        // The audit events of a real outbound intake (ingest, validate, route through the StageRunner).
        var workload = new HubWorkload();
        var stages = new IStage[] { workload.Ingest, workload.Validate, RoutingBenchmarks.CreateRoute() };
        var context = new ExchangeContext(Guid.CreateVersion7(), Direction.Outbound, bytes);
        var sink = new CollectingSink();
        using var meters = new BenchmarkMeterFactory();
        var runner = new StageRunner(new HubMetrics(meters), TimeProvider.System, Options.Create(new DispatchOptions()), NullLogger<StageRunner>.Instance);
        var run = await runner.RunAsync(stages, 0, context, sink, CancellationToken.None);
        if (run.Kind != StageOutcomeKind.Continue || sink.Events.Count != 3)
        {
            throw new InvalidOperationException($"The intake ended with {run.Kind} ({run.Error?.Code}) and {sink.Events.Count} event(s).");
        }
        _intakeEvents = sink.Events;
        var header = context.Header!;
        var now = DateTimeOffset.UtcNow;
        _template = new DocumentRecord
        {
            Id = context.DocumentId,
            InstanceIdentifier = header.InstanceIdentifier,
            Direction = Direction.Outbound,
            SedType = header.SedType,
            CaseId = header.CaseId,
            BusinessService = header.BusinessService,
            SenderId = header.Sender.InstitutionId,
            ReceiverId = context.Route!.ReceiverId,
            AccessPointId = context.Route.AccessPointId,
            Endpoint = context.Route.Endpoint?.ToString(),
            PackId = context.PackId!,
            ContentSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Payload = bytes,
            Status = DocumentStatus.Accepted,
            LastStage = "route",
            Partition = IntakeService.PartitionOf(header.CaseId, new HubOptions().Partitions),
            CreatedAt = now,
            UpdatedAt = now,
        };

        // One accepted document whose sign transition RecordProgress writes again and again.
        var first = await CommitIntake();
        if (!first.Created)
        {
            throw new InvalidOperationException("The first intake commit did not create the document.");
        }
        _progressId = first.DocumentId;
        var keys = new SignatureWorkload("RSA");
        _signed = keys.Sign(bytes);
        _signFacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["keyId"] = keys.Credentials.KeyId,
            ["keyOwner"] = "Cleiss benchmark RSA",
            ["algorithm"] = keys.Credentials.AlgorithmName,
            ["digest"] = Convert.ToBase64String(SHA256.HashData(bytes)),
        };
        _refusalFacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["direction"] = "outbound",
            ["stage"] = "accept",
            ["detail"] = "The body is larger than the intake limit.",
        };

        // The baseline's database: same folder, same pragmas, one table.
        _raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "raw.db"), Pooling = false }.ToString());
        _raw.Open();
        using (var schema = _raw.CreateCommand())
        {
            schema.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE raw (id TEXT PRIMARY KEY, payload BLOB NOT NULL);";
            schema.ExecuteNonQuery();
        }
        _rawInsert = _raw.CreateCommand();
        _rawInsert.CommandText = "INSERT INTO raw (id, payload) VALUES ($id, $payload)";
        _rawId = _rawInsert.Parameters.Add("$id", SqliteType.Text);
        _rawInsert.Parameters.AddWithValue("$payload", bytes);
        _rawInsert.Prepare();
        Console.WriteLine($"// document: {Size} = {bytes.Length} bytes, signed {_signed.Length} bytes; store {_folder}; intake events: {string.Join(", ", _intakeEvents.Select(e => e.Event))}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var size = Directory.EnumerateFiles(_folder).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"// store folder at the end: {size / (1024.0 * 1024.0):F1} MiB after {_sequence} commits of this case");
        _rawInsert.Dispose();
        _raw.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The I/O bound: the same bytes, one row, one durable commit, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public int RawInsertCommit()
    {
        using var tx = _raw.BeginTransaction();
        _rawInsert.Transaction = tx;
        _rawId.Value = (++_sequence).ToString(CultureInfo.InvariantCulture);
        var rows = _rawInsert.ExecuteNonQuery();
        tx.Commit();
        return rows;
    }

    /// <summary>The intake commit (moment of acceptance): document + its 3 intake audit events + stage-log record.</summary>
    [Benchmark]
    public Task<IntakeCommitResult> CommitIntake()
    {
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var record = _template with
        {
            Id = id,
            InstanceIdentifier = $"{_template.InstanceIdentifier}-{++_sequence}",
            CreatedAt = now,
            UpdatedAt = now,
        };
        var events = new NewAuditEvent[_intakeEvents.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = _intakeEvents[i];
            events[i] = new NewAuditEvent(id, now, e.Stage, e.Event, e.Code, e.Facts);
        }
        return _store.CommitIntakeAsync(record, events, HubPipeline.OutboundTopic, CancellationToken.None);
    }

    /// <summary>A stage transition: the sign stage's progress (status, signed bytes) with its audit event.</summary>
    [Benchmark]
    public Task RecordProgress()
    {
        _sequence++;
        return _store.RecordProgressAsync(_progressId, new DocumentProgress(DocumentStatus.Signed, "sign", _signed),
            [new NewAuditEvent(_progressId, DateTimeOffset.UtcNow, "sign", "signed", null, _signFacts)], CancellationToken.None);
    }

    /// <summary>One audit event on its own (a refusal).</summary>
    [Benchmark]
    public Task AppendAudit()
    {
        _sequence++;
        return _store.AppendAuditAsync([new NewAuditEvent(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "accept", "rejected", ExchangeErrors.IngestTooLarge, _refusalFacts)], CancellationToken.None);
    }

    private sealed class CollectingSink : ITransitionSink
    {
        public List<NewAuditEvent> Events { get; } = [];

        public ValueTask OnTransitionAsync(IStage stage, ExchangeContext context, StageOutcome outcome, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
        {
            Events.AddRange(events);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The hub's metrics need a meter factory; the benchmark's creates plain meters nobody listens to.</summary>
    private sealed class BenchmarkMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
