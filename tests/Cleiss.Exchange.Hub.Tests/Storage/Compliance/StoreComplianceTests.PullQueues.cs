using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>The suite's AS4 pull queues: what is handed out, in which order, and how a receipt completes it.</summary>
public abstract partial class StoreComplianceTests<TStore>
{
    private const string Mpc = "urn:cleiss:mpc:be";
    private static readonly DateTimeOffset At = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    /// <summary>An outbound document at <paramref name="status"/>, and its message queued in <see cref="Mpc"/>.</summary>
    private async Task<QueuedAs4Message> QueuedAsync(string status, byte body = 1)
    {
        var id = Guid.CreateVersion7();
        var instance = Guid.NewGuid().ToString();
        await Store.CommitIntakeAsync(new DocumentRecord
        {
            Id = id, InstanceIdentifier = instance, Direction = Direction.Outbound, SedType = "A001", CaseId = "case-1",
            BusinessService = "LA_BUC_01:4.4", SenderId = "FR:CLEISS0002", ReceiverId = "BE:ONSS00001", AccessPointId = "BE:AP0001",
            PackId = "p@1", ContentSha256 = "aa", Payload = [1], Status = DocumentStatus.Accepted, LastStage = "route", Partition = 0,
            CreatedAt = At, UpdatedAt = At,
        }, [], "t", CancellationToken.None);
        await Store.RecordProgressAsync(id, new DocumentProgress(status, "dispatch"), [], CancellationToken.None);
        var message = new QueuedAs4Message(Mpc, $"{instance}@fr.ap0001.eessi", id, "BE:AP0001", "be-pull", "multipart/related; boundary=b", [body], "[]", At);
        Assert.True(await Store.EnqueueAsync(message, CancellationToken.None));
        return message;
    }

    [StoreFact]
    public async Task The_oldest_queued_message_of_the_MPC_is_handed_out_again_until_it_is_completed()
    {
        var first = await QueuedAsync(DocumentStatus.Queued, body: 1);
        var second = await QueuedAsync(DocumentStatus.Queued, body: 2);

        var pulled = await Store.PullAsync(Mpc, At, CancellationToken.None);
        var again = await Store.PullAsync(Mpc, At, CancellationToken.None);
        var otherMpc = await Store.PullAsync(Mpc + "/BE:ONSS00001", At, CancellationToken.None);

        Assert.Equal((first.MessageId, 0), (pulled!.MessageId, pulled.Pulls));
        Assert.Equal((first.MessageId, 1), (again!.MessageId, again.Pulls));
        Assert.Equal(first.Body, again.Body);
        Assert.Null(otherMpc);

        var events = new[] { new NewAuditEvent(first.DocumentId, At, "dispatch", "delivered", null, new Dictionary<string, string> { ["receiptId"] = "r1" }) };
        Assert.True(await Store.CompletePulledAsync(first.MessageId, new DocumentProgress(DocumentStatus.Delivered, "dispatch", ReceiptId: "r1"), events, CancellationToken.None));
        Assert.False(await Store.CompletePulledAsync(first.MessageId, new DocumentProgress(DocumentStatus.Delivered, "dispatch", ReceiptId: "r1"), events, CancellationToken.None));

        var document = await Store.GetDocumentAsync(first.DocumentId, CancellationToken.None);
        Assert.Equal((DocumentStatus.Delivered, "r1"), (document!.Status, document.ReceiptId));
        Assert.Single(await Store.GetAuditTrailAsync(first.DocumentId, CancellationToken.None), e => e.Event == "delivered"); // the second receipt wrote nothing
        Assert.Null(await Store.FindQueuedAsync(first.MessageId, CancellationToken.None));
        Assert.Equal(second.MessageId, (await Store.PullAsync(Mpc, At, CancellationToken.None))!.MessageId);
    }

    [StoreFact]
    public async Task Nothing_is_handed_out_before_the_document_is_recorded_as_queued_and_a_second_enqueue_keeps_the_first_bytes()
    {
        var notYet = await QueuedAsync(DocumentStatus.Signed); // the transport queued it; the dispatch outcome is not stored yet

        Assert.Null(await Store.PullAsync(Mpc, At, CancellationToken.None));
        Assert.False(await Store.EnqueueAsync(notYet with { Body = [9] }, CancellationToken.None));
        await Store.RecordProgressAsync(notYet.DocumentId, new DocumentProgress(DocumentStatus.Queued, "dispatch"), [], CancellationToken.None);
        Assert.Equal(notYet.Body, (await Store.PullAsync(Mpc, At, CancellationToken.None))!.Body);
    }
}
