using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Storage;

/// <summary>The SQLite store; what every store must do is in the compliance suite (<see cref="Compliance.SqliteStoreComplianceTests"/>).</summary>
public sealed class SqliteHubStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private SqliteHubStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private static DocumentRecord Document(string instance = "i-1", string sha = "aa", Direction direction = Direction.Outbound, string receiver = "BE:ONSS00001", int partition = 0) => new()
    {
        Id = Guid.CreateVersion7(),
        InstanceIdentifier = instance,
        Direction = direction,
        SedType = "A001",
        CaseId = "case-1",
        BusinessService = "LA_BUC_01:4.4",
        SenderId = "FR:CLEISS0002",
        ReceiverId = receiver,
        AccessPointId = "BE:AP0001",
        Endpoint = "http://127.0.0.1:1/",
        PackId = "p@1",
        ContentSha256 = sha,
        Payload = [1, 2, 3],
        Status = DocumentStatus.Accepted,
        LastStage = "route",
        Partition = partition,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static NewAuditEvent Event(Guid id, string name) => new(id, DateTimeOffset.UnixEpoch, "stage", name, null, new Dictionary<string, string> { ["k"] = "v" });

    [Fact]
    public async Task An_intake_stores_the_document_its_audit_trail_and_its_log_record_together()
    {
        var doc = Document();
        var result = await _store.CommitIntakeAsync(doc, [Event(doc.Id, "accepted"), Event(doc.Id, "validated")], "t", CancellationToken.None);

        Assert.True(result.Created);
        Assert.Equal(DocumentStatus.Accepted, (await _store.GetDocumentAsync(doc.Id, CancellationToken.None))!.Status);
        Assert.Equal(["accepted", "validated"], (await _store.GetAuditTrailAsync(doc.Id, CancellationToken.None)).Select(e => e.Event));
        var log = Assert.Single(await _store.ReadAsync("t", 0, -1, 10, CancellationToken.None));
        Assert.Equal(doc.Id, log.DocumentId);
    }

    [Fact]
    public async Task The_same_instance_identifier_is_stored_once()
    {
        var first = Document();
        await _store.CommitIntakeAsync(first, [Event(first.Id, "accepted")], "t", CancellationToken.None);

        var same = await _store.CommitIntakeAsync(Document(), [], "t", CancellationToken.None);
        var other = await _store.CommitIntakeAsync(Document(sha: "bb"), [], "t", CancellationToken.None);

        Assert.False(same.Created);
        Assert.True(same.SameContent);
        Assert.Equal(first.Id, same.DocumentId);
        Assert.False(other.SameContent);
        Assert.Single(await _store.ReadAsync("t", 0, -1, 10, CancellationToken.None));
        Assert.True((await _store.CommitIntakeAsync(Document(direction: Direction.Inbound), [], "t", CancellationToken.None)).Created);
    }

    [Fact]
    public async Task Log_offsets_are_per_partition_and_committed_offsets_survive_a_reopen()
    {
        await _store.CommitIntakeAsync(Document("a", partition: 1), [], "t", CancellationToken.None);
        await _store.CommitIntakeAsync(Document("b", partition: 1), [], "t", CancellationToken.None);
        await _store.CommitOffsetAsync("g", "t", 1, 0, CancellationToken.None);
        await _store.DisposeAsync();
        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);

        Assert.Equal(0, await _store.GetCommittedOffsetAsync("g", "t", 1, CancellationToken.None));
        var next = Assert.Single(await _store.ReadAsync("t", 1, 0, 10, CancellationToken.None));
        Assert.Equal(1, next.Offset);
        await _store.CommitIntakeAsync(Document("c", partition: 1), [], "t", CancellationToken.None);
        Assert.Equal(2, (await _store.ReadAsync("t", 1, 1, 10, CancellationToken.None))[0].Offset);
    }

    [Fact]
    public async Task An_acknowledged_document_leaves_the_inbox_and_only_its_receiver_can_acknowledge_it()
    {
        var doc = Document(direction: Direction.Inbound, receiver: "FR:CLEISS0002");
        await _store.CommitIntakeAsync(doc, [], "t", CancellationToken.None);
        await _store.RecordProgressAsync(doc.Id, new DocumentProgress(DocumentStatus.Delivered, "deliver"), [Event(doc.Id, "delivered")], CancellationToken.None);

        Assert.Single(await _store.GetInboxAsync("FR:CLEISS0002", 10, CancellationToken.None));
        Assert.False(await _store.AcknowledgeAsync("FR:CNAM00001", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
        Assert.True(await _store.AcknowledgeAsync("FR:CLEISS0002", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
        Assert.Empty(await _store.GetInboxAsync("FR:CLEISS0002", 10, CancellationToken.None));
        Assert.False(await _store.AcknowledgeAsync("FR:CLEISS0002", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
    }

    [Fact]
    public async Task The_database_runs_in_WAL_mode_with_full_synchronous_commits()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_case_change_decided_on_an_old_revision_is_not_stored()
    {
        var opened = new CaseState("case-1", "LA_BUC_01", "4.4", "open", ["FR:CLEISS0002", "BE:ONSS00001"],
            new Dictionary<string, CaseDocument> { ["i-1"] = new("A001", false) }, 1);
        Assert.True((await _store.CommitIntakeAsync(Document("i-1"), [], "t", CancellationToken.None, new CaseTransition(opened, 0, "opened"))).Created);

        var replyA = opened with { Documents = new Dictionary<string, CaseDocument>(opened.Documents) { ["i-2"] = new("A011", false) }, Revision = 2 };
        var replyB = opened with { Documents = new Dictionary<string, CaseDocument>(opened.Documents) { ["i-3"] = new("A002", false) }, Revision = 2 };
        var first = await _store.CommitIntakeAsync(Document("i-2"), [], "t", CancellationToken.None, new CaseTransition(replyA, 1, "reply"));
        var second = await _store.CommitIntakeAsync(Document("i-3"), [], "t", CancellationToken.None, new CaseTransition(replyB, 1, "reply"));
        var reopenedTwice = await _store.CommitIntakeAsync(Document("i-4"), [], "t", CancellationToken.None, new CaseTransition(opened, 0, "opened again"));

        Assert.True(first.Created);
        Assert.True(second.CaseConflict);
        Assert.True(reopenedTwice.CaseConflict);
        Assert.Null(await _store.GetDocumentAsync(second.DocumentId, CancellationToken.None));
        var stored = await _store.GetCaseAsync("case-1", CancellationToken.None);
        Assert.Equal(2, stored!.Revision);
        Assert.Equal(["i-1", "i-2"], stored.Documents.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_hub_process_cannot_open_the_same_data_folder()
    {
        await using var second = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_partition_count_cannot_change_while_log_records_wait()
    {
        await _store.CommitIntakeAsync(Document(partition: 1), [], "t", CancellationToken.None);
        await _store.DisposeAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new Configuration.HubOptions { DataDirectory = _folder.Path, Partitions = 8 });
        await using (var resized = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => resized.InitializeAsync(CancellationToken.None));
        }

        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        await _store.CommitOffsetAsync("hub.delivery", "t", 1, 0, CancellationToken.None);
        await _store.DisposeAsync();
        await using (var resized = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance))
        {
            await resized.InitializeAsync(CancellationToken.None);
        }
        _store = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }
}
