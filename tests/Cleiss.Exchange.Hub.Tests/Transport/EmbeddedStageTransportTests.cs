using System.Diagnostics;
using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Tests.Storage.Compliance;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Transport;

/// <summary>The transport compliance suite on <see cref="EmbeddedStageTransport"/> over a real SQLite store in a temporary folder, and what only the embedded log does.</summary>
public sealed class EmbeddedStageTransportTests : StageTransportComplianceTests, IAsyncLifetime
{
    private const int HubPartitions = 4;

    private readonly TempDirectory _folder = new();
    private SqliteHubStore _store = null!;
    private EmbeddedStageTransport _transport = null!;

    protected override IStageTransport Transport => _transport;

    /// <summary>The consumer groups live in the transport's process: Subscribe deals the partitions before it returns.</summary>
    protected override bool AssignsOnSubscribe => true;

    /// <summary>
    /// Known difference: the embedded log has no topic metadata. Every topic has Hub:Partitions partitions unless the
    /// transport was told otherwise (<see cref="EmbeddedStageTransport.DeclareTopic"/>, in memory); Kafka keeps the
    /// count per topic on the brokers. So a new topic here is a declaration, not a creation.
    /// </summary>
    protected override string NewTopic(int partitions)
    {
        var topic = "test." + Guid.NewGuid().ToString("N");
        _transport.DeclareTopic(topic, partitions);
        return topic;
    }

    public async Task InitializeAsync() => (_store, _transport) = await OpenAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<(SqliteHubStore, EmbeddedStageTransport)> OpenAsync()
    {
        var options = Builders.Hub(_folder.Path);
        options.Value.Partitions = HubPartitions;
        var store = new SqliteHubStore(options, NullLogger<SqliteHubStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        return (store, new EmbeddedStageTransport(store, options, TimeProvider.System));
    }

    [Fact]
    public async Task A_record_the_intake_wrote_comes_out_as_its_document_id_keyed_by_its_case()
    {
        var document = StoredDocuments.Document(partition: IntakeService.PartitionOf("case-1", HubPartitions)) with { CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123) };
        await _store.CommitIntakeAsync(document, [], HubPipeline.OutboundTopic, CancellationToken.None);
        var published = await _transport.PublishAsync(HubPipeline.OutboundTopic, "case-1", [9], CancellationToken.None);

        using var subscription = _transport.Subscribe(DeliveryWorker.ConsumerGroup, [HubPipeline.OutboundTopic]);
        var received = await DrainAsync(subscription, 2);

        var intake = received[0];
        Assert.Equal(36, intake.Value.Length);
        Assert.Equal(document.Id.ToString("D"), Encoding.UTF8.GetString(intake.Value));
        Assert.Equal("case-1", intake.Key);
        Assert.Equal((document.Partition, 0L), (intake.Partition, intake.Offset));
        Assert.Equal(document.CreatedAt, intake.Timestamp);
        // Published and intake records of a case share its partition, in order.
        Assert.Equal(new StagePosition(HubPipeline.OutboundTopic, document.Partition, 1), published);
        Assert.Equal(new byte[] { 9 }, received[1].Value);
    }

    [Fact]
    public async Task The_delivery_worker_view_of_the_log_reads_documents_only()
    {
        var document = StoredDocuments.Document(partition: IntakeService.PartitionOf("case-1", HubPartitions));
        await _transport.PublishAsync(HubPipeline.OutboundTopic, "case-1", [9], CancellationToken.None);
        await _store.CommitIntakeAsync(document, [], HubPipeline.OutboundTopic, CancellationToken.None);

        var records = await _store.ReadAsync(HubPipeline.OutboundTopic, document.Partition, -1, 64, CancellationToken.None);

        Assert.Equal(new LogRecord(HubPipeline.OutboundTopic, document.Partition, 1, document.Id), Assert.Single(records));
    }

    [Fact]
    public async Task A_failed_handler_leaves_the_offset_uncommitted()
    {
        var topic = NewTopic(1);
        await PublishAsync(topic, 2);
        var group = NewGroup();
        using var subscription = _transport.Subscribe(group, [topic]);

        await Assert.ThrowsAsync<TimeoutException>(() => subscription.HandleNextAsync((_, _) => throw new TimeoutException(), Deadline, CancellationToken.None));
        Assert.Equal(-1, await _store.GetCommittedOffsetAsync(group, topic, 0, CancellationToken.None));

        var again = await DrainAsync(subscription, 1);
        Assert.Equal(0, Assert.Single(again).Offset);
        Assert.Equal(0, await _store.GetCommittedOffsetAsync(group, topic, 0, CancellationToken.None));
    }

    [Fact]
    public void Two_members_split_the_partitions_and_the_survivor_of_a_leave_holds_them_all()
    {
        var topic = NewTopic(4);
        var group = NewGroup();
        var a = _transport.Subscribe(group, [topic]);
        using var b = _transport.Subscribe(group, [topic]);

        Assert.Equal([new StagePartition(topic, 0), new StagePartition(topic, 2)], a.Assignment);
        Assert.Equal([new StagePartition(topic, 1), new StagePartition(topic, 3)], b.Assignment);

        a.Dispose();

        Assert.Empty(a.Assignment);
        Assert.Equal(Enumerable.Range(0, 4).Select(p => new StagePartition(topic, p)), b.Assignment);
    }

    [Fact]
    public async Task A_waiting_member_is_woken_by_an_append_not_by_its_poll()
    {
        var topic = NewTopic(2);
        using var subscription = _transport.Subscribe(NewGroup(), [topic]);
        StageMessage? received = null;
        var clock = Stopwatch.StartNew();

        var waiting = subscription.HandleNextAsync((m, _) => { received = m; return Task.CompletedTask; }, TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        await _transport.PublishAsync(topic, "case-7", [7], CancellationToken.None);

        Assert.True(await waiting);
        Assert.Equal(new byte[] { 7 }, received!.Value);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"woken after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_record_in_flight_when_its_partition_moves_is_not_handed_out_again()
    {
        var topic = NewTopic(1);
        await PublishAsync(topic, 2, keys: 1);
        var group = NewGroup();
        var first = _transport.Subscribe(group, [topic]);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = first.HandleNextAsync(async (_, _) => { entered.SetResult(); await release.Task; }, Deadline, CancellationToken.None);
        await entered.Task;

        using var second = _transport.Subscribe(group, [topic]);
        first.Dispose(); // the partition moves to the second member while the first one still handles record 0
        var values = new List<string>();
        var next = second.HandleNextAsync((m, _) => { values.Add(Encoding.UTF8.GetString(m.Value)); return Task.CompletedTask; }, Deadline, CancellationToken.None);
        await Task.Delay(200);
        Assert.Empty(values);
        release.SetResult();

        Assert.True(await inFlight);
        Assert.True(await next);
        Assert.Equal(["1"], values);
    }

    [Fact]
    public async Task Nothing_committed_is_read_again_after_the_store_is_reopened()
    {
        var topic = HubPipeline.InboundTopic; // a hub topic: its partition count is Hub:Partitions on every start
        var published = await PublishAsync(topic, 20, keys: 7);
        var group = NewGroup();
        List<StageMessage> before;
        using (var subscription = _transport.Subscribe(group, [topic]))
        {
            before = await DrainAsync(subscription, 9);
        }

        // A new process: a new store and transport on the same file.
        await _store.DisposeAsync();
        (_store, _transport) = await OpenAsync();
        using var reopened = _transport.Subscribe(group, [topic]);
        var after = await DrainAsync(reopened, published.Count - before.Count);

        var all = before.Concat(after).Select(m => Encoding.UTF8.GetString(m.Value)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(published.Order(), all.Order());
        Assert.False(await reopened.HandleNextAsync((_, _) => Task.CompletedTask, TimeSpan.FromMilliseconds(300), CancellationToken.None));
    }

    [Fact]
    public async Task A_log_from_before_keys_and_values_is_upgraded_with_its_records_and_offsets()
    {
        var document = StoredDocuments.Document(partition: IntakeService.PartitionOf("case-1", HubPartitions));
        await _store.CommitIntakeAsync(document, [], HubPipeline.OutboundTopic, CancellationToken.None);
        await _store.CommitOffsetAsync("old-group", HubPipeline.OutboundTopic, document.Partition, 0, CancellationToken.None);
        await _store.DisposeAsync();
        await ExecuteSqlAsync("""
            CREATE TABLE log_old (
                topic       TEXT NOT NULL,
                partition   INTEGER NOT NULL,
                offset      INTEGER NOT NULL,
                document_id TEXT NOT NULL,
                PRIMARY KEY (topic, partition, offset)
            ) WITHOUT ROWID;
            INSERT INTO log_old SELECT topic, partition, offset, document_id FROM log;
            DROP TABLE log;
            ALTER TABLE log_old RENAME TO log;
            """);

        (_store, _transport) = await OpenAsync();
        await _transport.PublishAsync(HubPipeline.OutboundTopic, "case-1", [5], CancellationToken.None);
        using var fresh = _transport.Subscribe(NewGroup(), [HubPipeline.OutboundTopic]);
        var all = await DrainAsync(fresh, 2);
        using var old = _transport.Subscribe("old-group", [HubPipeline.OutboundTopic]);
        var rest = await DrainAsync(old, 1);

        Assert.Equal((document.Id.ToString(), "case-1"), (Encoding.UTF8.GetString(all[0].Value), all[0].Key));
        Assert.Equal(1, all[1].Offset);
        Assert.Equal(new byte[] { 5 }, all[1].Value);
        Assert.Equal(1, Assert.Single(rest).Offset);
    }

    [Fact]
    public void A_topic_keeps_the_partition_count_it_was_declared_with()
    {
        var topic = NewTopic(3);
        _transport.DeclareTopic(topic, 3);

        Assert.Equal(3, _transport.PartitionsOf(topic));
        Assert.Equal(HubPartitions, _transport.PartitionsOf(HubPipeline.OutboundTopic));
        Assert.Throws<InvalidOperationException>(() => _transport.DeclareTopic(topic, 5));
    }

    private async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
