using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;
using static Cleiss.Exchange.Hub.Tests.Storage.Compliance.StoredDocuments;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>The suite's documents part: intake commit (with case transitions and the stage-log record), progress, reads.</summary>
public abstract partial class StoreComplianceTests<TStore>
{
    [StoreFact]
    public async Task An_intake_stores_the_document_its_audit_trail_and_its_log_record_together()
    {
        var doc = Document();
        var result = await Store.CommitIntakeAsync(doc, [Event(doc.Id, "accepted"), Event(doc.Id, "validated")], "t", CancellationToken.None);

        Assert.True(result.Created);
        Assert.Equal(DocumentStatus.Accepted, (await Store.GetDocumentAsync(doc.Id, CancellationToken.None))!.Status);
        Assert.Equal(["accepted", "validated"], (await Store.GetAuditTrailAsync(doc.Id, CancellationToken.None)).Select(e => e.Event));
        var log = Assert.Single(await Store.ReadAsync("t", 0, -1, 10, CancellationToken.None));
        Assert.Equal(doc.Id, log.DocumentId);
    }

    [StoreFact]
    public async Task The_same_instance_identifier_is_stored_once()
    {
        var first = Document();
        await Store.CommitIntakeAsync(first, [Event(first.Id, "accepted")], "t", CancellationToken.None);

        var same = await Store.CommitIntakeAsync(Document(), [], "t", CancellationToken.None);
        var other = await Store.CommitIntakeAsync(Document(sha: "bb"), [], "t", CancellationToken.None);

        Assert.False(same.Created);
        Assert.True(same.SameContent);
        Assert.Equal(first.Id, same.DocumentId);
        Assert.False(other.SameContent);
        Assert.Single(await Store.ReadAsync("t", 0, -1, 10, CancellationToken.None));
        Assert.True((await Store.CommitIntakeAsync(Document(direction: Direction.Inbound), [], "t", CancellationToken.None)).Created);
    }

    [StoreFact]
    public async Task Log_offsets_are_per_partition_and_committed_offsets_survive_a_restart()
    {
        await Store.CommitIntakeAsync(Document("a", partition: 1), [], "t", CancellationToken.None);
        await Store.CommitIntakeAsync(Document("b", partition: 1), [], "t", CancellationToken.None);
        await Store.CommitOffsetAsync("g", "t", 1, 0, CancellationToken.None);
        await RestartAsync();

        Assert.Equal(0, await Store.GetCommittedOffsetAsync("g", "t", 1, CancellationToken.None));
        var next = Assert.Single(await Store.ReadAsync("t", 1, 0, 10, CancellationToken.None));
        Assert.Equal(1, next.Offset);
        await Store.CommitIntakeAsync(Document("c", partition: 1), [], "t", CancellationToken.None);
        Assert.Equal(2, (await Store.ReadAsync("t", 1, 1, 10, CancellationToken.None))[0].Offset);
    }

    [StoreFact]
    public async Task A_case_change_decided_on_an_old_revision_is_not_stored()
    {
        var opened = new CaseState("case-1", "LA_BUC_01", "4.4", "open", ["FR:CLEISS0002", "BE:ONSS00001"],
            new Dictionary<string, CaseDocument> { ["i-1"] = new("A001", false) }, 1);
        Assert.True((await Store.CommitIntakeAsync(Document("i-1"), [], "t", CancellationToken.None, new CaseTransition(opened, 0, "opened"))).Created);

        var replyA = opened with { Documents = new Dictionary<string, CaseDocument>(opened.Documents) { ["i-2"] = new("A011", false) }, Revision = 2 };
        var replyB = opened with { Documents = new Dictionary<string, CaseDocument>(opened.Documents) { ["i-3"] = new("A002", false) }, Revision = 2 };
        var first = await Store.CommitIntakeAsync(Document("i-2"), [], "t", CancellationToken.None, new CaseTransition(replyA, 1, "reply"));
        var second = await Store.CommitIntakeAsync(Document("i-3"), [], "t", CancellationToken.None, new CaseTransition(replyB, 1, "reply"));
        var reopenedTwice = await Store.CommitIntakeAsync(Document("i-4"), [], "t", CancellationToken.None, new CaseTransition(opened, 0, "opened again"));

        Assert.True(first.Created);
        Assert.True(second.CaseConflict);
        Assert.True(reopenedTwice.CaseConflict);
        Assert.Null(await Store.GetDocumentAsync(second.DocumentId, CancellationToken.None));
        var stored = await Store.GetCaseAsync("case-1", CancellationToken.None);
        Assert.Equal(2, stored!.Revision);
        Assert.Equal(["i-1", "i-2"], stored.Documents.Keys.Order(StringComparer.Ordinal));
    }

    [StoreFact]
    public async Task Concurrent_intakes_of_one_instance_identifier_store_it_once()
    {
        var documents = Enumerable.Range(0, 8).Select(_ => Document("race")).ToList();

        var results = await Task.WhenAll(documents.Select(d => Store.CommitIntakeAsync(d, [Event(d.Id, "accepted")], "t", CancellationToken.None)));

        var created = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(created.DocumentId, r.DocumentId));
        Assert.Single(await Store.ReadAsync("t", 0, -1, 10, CancellationToken.None));
        Assert.Null(await Store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [StoreFact]
    public async Task Progress_updates_the_document_and_appends_to_its_trail_read_together()
    {
        var doc = Document();
        await Store.CommitIntakeAsync(doc, [Event(doc.Id, "accepted")], "t", CancellationToken.None);

        await Store.RecordProgressAsync(doc.Id, new DocumentProgress(DocumentStatus.Signed, "sign", SignedPayload: [9, 9]), [Event(doc.Id, "signed")], CancellationToken.None);
        await Store.RecordProgressAsync(doc.Id, new DocumentProgress(DocumentStatus.Delivered, "deliver", ReceiptId: "r-1"), [Event(doc.Id, "delivered")], CancellationToken.None);
        var (stored, events) = await Store.GetDocumentWithTrailAsync(doc.Id, CancellationToken.None);

        Assert.Equal(DocumentStatus.Delivered, stored!.Status);
        Assert.Equal("deliver", stored.LastStage);
        Assert.Equal([9, 9], stored.SignedPayload); // kept when a later stage does not change it
        Assert.Equal("r-1", stored.ReceiptId);
        Assert.Equal(doc with { Status = stored.Status, LastStage = stored.LastStage, SignedPayload = stored.SignedPayload, ReceiptId = stored.ReceiptId, Payload = stored.Payload }, stored);
        Assert.Equal(doc.Payload, stored.Payload);
        Assert.Equal(["accepted", "signed", "delivered"], events.Select(e => e.Event));
        Assert.Equal(new IntakeCommitResult(doc.Id, DocumentStatus.Delivered, false, false), await Store.FindByInstanceAsync(doc.Direction, doc.InstanceIdentifier, "other", CancellationToken.None));
        Assert.Null(await Store.GetDocumentAsync(Guid.NewGuid(), CancellationToken.None));
        Assert.Null(await Store.GetCaseAsync("no-such-case", CancellationToken.None));
    }
}
