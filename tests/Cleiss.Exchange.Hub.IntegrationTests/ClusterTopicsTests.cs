using Cleiss.Exchange.Hub.Kafka.Avro;
using Xunit.Abstractions;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Cluster mode's audit and dead-letter topics: the relay publishes every audit event of the store (Avro AuditEvent,
/// keyed by case id, in order) and every document that failed for good (Avro StageRecord); a hub with one dispatch
/// attempt and its partner down fails a document to show both.
/// </summary>
public sealed class ClusterTopicsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterRig _rig = new(extra: new Dictionary<string, string?> { ["Hub:Dispatch:MaxAttempts"] = "1" });

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [ClusterFact]
    public async Task Audit_events_go_to_the_audit_topic_and_a_failed_document_to_the_dead_letter_topic()
    {
        var rig = _rig;
        await rig.Partner.DisposeAsync(); // unreachable: the one attempt fails
        var (status, body) = await rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        var view = await rig.WaitForAsync(id, "failed");

        var codec = new AvroRecordCodec();
        var dead = await rig.ReadTopicAsync(rig.DeadLetterTopic, read => read.Count > 0);
        var audit = await rig.ReadTopicAsync(rig.AuditTopic, read => read.Select(m => codec.DecodeAudit(m.Value)).Count(e => e.DocumentId == id) >= view.Events.Count);

        var letter = codec.DecodeStage(Assert.Single(dead).Value);
        Assert.Equal((id, view.CaseId, $"store:document/{id}"), (letter.DocumentId, letter.CaseId, letter.PayloadRef));
        var events = audit.Select(m => (m.Key, Event: codec.DecodeAudit(m.Value))).Where(e => e.Event.DocumentId == id).ToList();
        Assert.Equal(view.Events.Select(e => e.Event), events.Select(e => e.Event.Kind)); // in order, once each
        Assert.All(events, e => Assert.Equal(view.CaseId, e.Key));
        Assert.Equal(events.Count, events.Select(e => e.Event.EventId).Distinct().Count());
        Assert.Contains(events, e => e.Event.Kind == "failed" && e.Event.Code == "DISPATCH.UNREACHABLE");
        output.WriteLine($"dead-letter topic: 1 record; audit topic: {events.Count} events of the document, in order");

        // The operator's evidence archive of the failed document, read from the cluster's database.
        var archive = Path.Combine(rig.Root, $"evidence-{id}.zip");
        var (exit, printed) = CliTests.Cleiss("evidence", "export", "--id", id.ToString(), "--data", rig.HubData, "--postgres", rig.PostgresConnectionString, "-o", archive);
        Assert.True(exit == 0, printed);
        using var zip = System.IO.Compression.ZipFile.OpenRead(archive);
        Assert.Contains(zip.Entries, e => e.FullName == "manifest.json");
        Assert.Contains(zip.Entries, e => e.FullName == "payload.xml");
    }
}
