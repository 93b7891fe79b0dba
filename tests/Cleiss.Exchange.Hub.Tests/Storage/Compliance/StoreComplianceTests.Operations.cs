using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Evidence;
using static Cleiss.Exchange.Hub.Tests.Storage.Compliance.StoredDocuments;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>The suite's operations part: institution inboxes, dead letters (replay, discard), case timers and exchange evidence.</summary>
public abstract partial class StoreComplianceTests<TStore>
{
    [StoreFact]
    public async Task An_acknowledged_document_leaves_the_inbox_and_only_its_receiver_can_acknowledge_it()
    {
        var doc = Document(direction: Direction.Inbound, receiver: "FR:CLEISS0002");
        await Store.CommitIntakeAsync(doc, [], "t", CancellationToken.None);
        await Store.RecordProgressAsync(doc.Id, new DocumentProgress(DocumentStatus.Delivered, "deliver"), [Event(doc.Id, "delivered")], CancellationToken.None);

        Assert.Single(await Store.GetInboxAsync("FR:CLEISS0002", 10, CancellationToken.None));
        Assert.False(await Store.AcknowledgeAsync("FR:CNAM00001", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
        Assert.True(await Store.AcknowledgeAsync("FR:CLEISS0002", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
        Assert.Empty(await Store.GetInboxAsync("FR:CLEISS0002", 10, CancellationToken.None));
        Assert.False(await Store.AcknowledgeAsync("FR:CLEISS0002", doc.Id, Event(doc.Id, "acknowledged"), CancellationToken.None));
    }

    [StoreFact]
    public async Task A_failed_document_is_a_dead_letter_until_it_is_requeued_on_its_log_or_discarded()
    {
        var signed = Document("i-1");
        var plain = Document("i-2");
        foreach (var doc in new[] { signed, plain })
        {
            await Store.CommitIntakeAsync(doc, [Event(doc.Id, "accepted")], HubPipeline.OutboundTopic, CancellationToken.None);
        }
        await Store.RecordProgressAsync(signed.Id, new DocumentProgress(DocumentStatus.Failed, "sign"), [Failed(signed.Id, "first")], CancellationToken.None);
        await Store.RecordProgressAsync(plain.Id, new DocumentProgress(DocumentStatus.Failed, "route"), [Failed(plain.Id, "second")], CancellationToken.None);

        var dead = await Store.ListDeadLettersAsync(CancellationToken.None);
        Assert.Equal([(signed.Id, "first"), (plain.Id, "second")], dead.Select(d => (d.DocumentId, d.Detail)));
        Assert.Equal(("DISPATCH.UNREACHABLE", "BE:AP0001", "A001"), dead[0].Cause);

        Assert.True(await Store.RequeueAsync(signed.Id, Event(signed.Id, "replayed"), CancellationToken.None));
        Assert.False(await Store.RequeueAsync(signed.Id, Event(signed.Id, "replayed"), CancellationToken.None));
        Assert.True(await Store.DiscardAsync(plain.Id, Event(plain.Id, "discarded"), CancellationToken.None));
        Assert.False(await Store.DiscardAsync(plain.Id, Event(plain.Id, "discarded"), CancellationToken.None));

        Assert.Empty(await Store.ListDeadLettersAsync(CancellationToken.None));
        Assert.Equal(DocumentStatus.Signed, (await Store.GetDocumentAsync(signed.Id, CancellationToken.None))!.Status); // resumes after signing
        Assert.Equal(DocumentStatus.Discarded, (await Store.GetDocumentAsync(plain.Id, CancellationToken.None))!.Status);
        Assert.Equal([signed.Id, plain.Id, signed.Id], (await Store.ReadAsync(HubPipeline.OutboundTopic, 0, -1, 10, CancellationToken.None)).Select(r => r.DocumentId));
        Assert.Null(await Store.VerifyAuditChainAsync(CancellationToken.None));
    }

    [StoreFact]
    public async Task A_due_case_timer_closes_the_case_once_with_an_audit_event()
    {
        var timerDocument = Guid.NewGuid();
        var open = new CaseState("case-1", "LA_BUC_01", "4.4", "open", ["FR:CLEISS0002", "BE:ONSS00001"],
            new Dictionary<string, CaseDocument> { ["i-1"] = new("A001", false) }, 1)
        { CloseAt = DateTimeOffset.UnixEpoch.AddDays(30), TimerRule = "reply-due", TimerDocumentId = timerDocument };
        await Store.CommitIntakeAsync(Document("i-1"), [], "t", CancellationToken.None, new CaseTransition(open, 0, "opened"));

        Assert.Empty(await Store.GetCasesDueAsync(DateTimeOffset.UnixEpoch.AddDays(29), 10, CancellationToken.None));
        var due = Assert.Single(await Store.GetCasesDueAsync(DateTimeOffset.UnixEpoch.AddDays(31), 10, CancellationToken.None));
        Assert.True(await Store.CloseCaseByTimerAsync(due, DateTimeOffset.UnixEpoch.AddDays(31), CancellationToken.None));
        Assert.False(await Store.CloseCaseByTimerAsync(due, DateTimeOffset.UnixEpoch.AddDays(31), CancellationToken.None)); // moved on

        Assert.Equal("closed", (await Store.GetCaseAsync("case-1", CancellationToken.None))!.Status);
        Assert.Empty(await Store.GetCasesDueAsync(DateTimeOffset.UnixEpoch.AddDays(31), 10, CancellationToken.None));
        var closed = Assert.Single(await Store.GetAuditTrailAsync(timerDocument, CancellationToken.None));
        Assert.Equal(("case-closed", "reply-due"), (closed.Event, closed.Facts["rule"]));
    }

    [StoreFact]
    public async Task Evidence_is_kept_per_document_and_kind_and_the_latest_of_a_kind_wins()
    {
        var doc = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        await Store.PutEvidenceAsync(doc, [
            new(EvidenceKinds.SentMessage, "multipart/related", [1], at),
            new(EvidenceKinds.PartnerReceipt, "application/soap+xml", [2], at)], CancellationToken.None);
        await Store.PutEvidenceAsync(doc, [new(EvidenceKinds.SentMessage, "multipart/related", [3], at.AddSeconds(5))], CancellationToken.None);

        var items = await Store.GetEvidenceAsync(doc, CancellationToken.None);

        Assert.Equal([(EvidenceKinds.PartnerReceipt, (byte)2, at), (EvidenceKinds.SentMessage, (byte)3, at.AddSeconds(5))], items.Select(i => (i.Kind, i.Content[0], i.At)));
        Assert.Empty(await Store.GetEvidenceAsync(Guid.NewGuid(), CancellationToken.None));
    }

    private static NewAuditEvent Failed(Guid id, string detail) =>
        new(id, DateTimeOffset.UnixEpoch, "dispatch", "failed", "DISPATCH.UNREACHABLE", new Dictionary<string, string> { ["detail"] = detail });
}
