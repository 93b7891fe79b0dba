using System.Collections.Concurrent;
using System.Text;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Transport;

/// <summary>
/// What every <see cref="IStageTransport"/> must do, whatever stores the log: per-key order, commit
/// after the effect, resume from the committed offset, nothing lost, nothing handed out again past a
/// commit, and a group's members sharing the partitions. Each implementation derives from this class:
/// the embedded SQLite log (this project) and Kafka (Cleiss.Exchange.Hub.Kafka.Tests links this file).
/// Where they differ, the difference is a property below, set by the implementation with its reason.
/// </summary>
public abstract class StageTransportComplianceTests
{
    /// <summary>Upper bound for any wait on the log (group joins on librdkafka's mock take about 3 s).</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    protected static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    protected abstract IStageTransport Transport { get; }

    /// <summary>
    /// Known difference: whether a member holds its partitions as soon as <see cref="IStageTransport.Subscribe"/>
    /// returns (an in-process coordinator), or only once a group join has completed while it polls (Kafka's
    /// group protocol, about 3 s on the mock cluster). Where it matters, the suite polls until the join is done.
    /// </summary>
    protected abstract bool AssignsOnSubscribe { get; }

    /// <summary>A new topic, unique to the test, with this many partitions.</summary>
    protected abstract string NewTopic(int partitions);

    protected static string NewGroup() => "group-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_published_record_is_consumed_with_its_key_and_bytes()
    {
        var topic = NewTopic(2);
        var position = await Transport.PublishAsync(topic, "case-1", [1, 2, 3], CancellationToken.None);
        Assert.Equal(topic, position.Topic);

        using var subscription = Transport.Subscribe(NewGroup(), [topic]);
        var received = await DrainAsync(subscription, 1);

        var message = Assert.Single(received);
        Assert.Equal("case-1", message.Key);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.Value);
        Assert.Equal(position.Partition, message.Partition);
        Assert.Equal(position.Offset, message.Offset);
    }

    [Fact]
    public async Task Records_of_a_case_stay_in_one_partition_and_in_order()
    {
        var topic = NewTopic(4);
        const int Cases = 12, PerCase = 5;
        for (var n = 0; n < PerCase; n++)
        {
            for (var c = 0; c < Cases; c++)
            {
                await Transport.PublishAsync(topic, "case-" + c, Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);
            }
        }

        using var subscription = Transport.Subscribe(NewGroup(), [topic]);
        var received = await DrainAsync(subscription, Cases * PerCase);

        Assert.True(received.Select(m => m.Partition).Distinct().Count() > 1, "the cases should spread over several partitions");
        foreach (var byCase in received.GroupBy(m => m.Key))
        {
            Assert.Single(byCase.Select(m => m.Partition).Distinct());
            Assert.Equal(Enumerable.Range(0, PerCase).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), byCase.Select(m => Encoding.UTF8.GetString(m.Value)));
        }
    }

    [Fact]
    public async Task A_restarted_member_resumes_after_the_last_commit_without_loss_or_redelivery()
    {
        var topic = NewTopic(3);
        var published = await PublishAsync(topic, 20);
        var group = NewGroup();

        List<StageMessage> first;
        using (var subscription = Transport.Subscribe(group, [topic]))
        {
            first = await DrainAsync(subscription, 8);
        }
        using var restarted = Transport.Subscribe(group, [topic]);
        var second = await DrainAsync(restarted, published.Count - first.Count);

        var all = first.Concat(second).Select(m => Encoding.UTF8.GetString(m.Value)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(published.Order(), all.Order());
        Assert.False(await restarted.HandleNextAsync((_, _) => Task.CompletedTask, TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_handler_commits_nothing_and_gets_the_same_record_again()
    {
        var topic = NewTopic(1);
        await PublishAsync(topic, 3, keys: 1);
        var group = NewGroup();

        using (var subscription = Transport.Subscribe(group, [topic]))
        {
            var first = (await DrainAsync(subscription, 1)).Single();
            StageMessage? seen = null;
            await Assert.ThrowsAsync<InvalidOperationException>(() => HandleUntilAsync(subscription, m => { seen = m; throw new InvalidOperationException("store down"); }));
            var again = (await DrainAsync(subscription, 1)).Single();
            Assert.Equal(seen!.Offset, again.Offset);
            Assert.Equal(first.Offset + 1, again.Offset);
            await Assert.ThrowsAsync<InvalidOperationException>(() => HandleUntilAsync(subscription, _ => throw new InvalidOperationException("store down")));
        }

        // The third record's effect never happened: after a restart it is handed out, and only it.
        using var restarted = Transport.Subscribe(group, [topic]);
        var rest = await DrainAsync(restarted, 1);
        Assert.Equal("2", Encoding.UTF8.GetString(Assert.Single(rest).Value));
        Assert.False(await restarted.HandleNextAsync((_, _) => Task.CompletedTask, TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task Two_members_of_a_group_share_the_partitions_and_each_record_goes_to_one()
    {
        var topic = NewTopic(4);
        var published = await PublishAsync(topic, 40, keys: 16);
        var group = NewGroup();
        using var a = Transport.Subscribe(group, [topic]);
        using var b = Transport.Subscribe(group, [topic]);
        var handled = new ConcurrentBag<(string Member, StageMessage Message)>();
        using var done = new CancellationTokenSource(Deadline);

        async Task RunAsync(string name, IStageSubscription member)
        {
            await Task.Yield();
            while (!done.IsCancellationRequested && handled.Count < published.Count)
            {
                await member.HandleNextAsync((m, _) => { handled.Add((name, m)); return Task.CompletedTask; }, Poll, CancellationToken.None);
            }
        }
        await Task.WhenAll(Task.Run(() => RunAsync("a", a)), Task.Run(() => RunAsync("b", b)));

        var values = handled.Select(h => Encoding.UTF8.GetString(h.Message.Value)).ToList();
        Assert.Equal(published.Order(), values.Order());
        var partitionsOfA = handled.Where(h => h.Member == "a").Select(h => h.Message.Partition).ToHashSet();
        var partitionsOfB = handled.Where(h => h.Member == "b").Select(h => h.Message.Partition).ToHashSet();
        Assert.NotEmpty(partitionsOfA);
        Assert.NotEmpty(partitionsOfB);
        Assert.Empty(partitionsOfA.Intersect(partitionsOfB));
    }

    [Fact]
    public async Task A_sole_member_holds_every_partition_of_its_topics()
    {
        var topic = NewTopic(3);
        var other = NewTopic(2);
        using var subscription = Transport.Subscribe(NewGroup(), [topic, other]);

        if (!AssignsOnSubscribe)
        {
            var deadline = DateTime.UtcNow + Deadline;
            while (subscription.Assignment.Count < 5 && DateTime.UtcNow < deadline)
            {
                await subscription.HandleNextAsync((_, _) => Task.CompletedTask, Poll, CancellationToken.None);
            }
        }

        var expected = new[] { new StagePartition(topic, 0), new StagePartition(topic, 1), new StagePartition(topic, 2), new StagePartition(other, 0), new StagePartition(other, 1) };
        Assert.Equal(expected.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition),
            subscription.Assignment.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition));
    }

    [Fact]
    public async Task When_a_member_leaves_the_rest_of_the_group_takes_over_its_records()
    {
        var topic = NewTopic(4);
        var published = await PublishAsync(topic, 24, keys: 12);
        var group = NewGroup();
        var leaving = Transport.Subscribe(group, [topic]);
        // The second member joins after the first one's commits: on Kafka a commit while the group rebalances fails.
        var first = await DrainAsync(leaving, 3);
        using var staying = Transport.Subscribe(group, [topic]);
        leaving.Dispose();

        var rest = await DrainAsync(staying, published.Count - first.Count);

        var all = first.Concat(rest).Select(m => Encoding.UTF8.GetString(m.Value)).ToList();
        Assert.Equal(published.Order(), all.Order());
        Assert.Equal(4, staying.Assignment.Count);
    }

    /// <summary>Publishes records "0".."count-1" over <paramref name="keys"/> case keys; returns the values.</summary>
    protected async Task<List<string>> PublishAsync(string topic, int count, int keys = 5)
    {
        var values = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var value = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Transport.PublishAsync(topic, "case-" + (i % keys), Encoding.UTF8.GetBytes(value), CancellationToken.None);
            values.Add(value);
        }
        return values;
    }

    /// <summary>Handles (and so commits) exactly <paramref name="count"/> records, failing after <see cref="Deadline"/>.</summary>
    protected static async Task<List<StageMessage>> DrainAsync(IStageSubscription subscription, int count)
    {
        var received = new List<StageMessage>(count);
        var deadline = DateTime.UtcNow + Deadline;
        while (received.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {received.Count} of {count} records arrived within {Deadline.TotalSeconds} s");
            await subscription.HandleNextAsync((m, _) => { received.Add(m); return Task.CompletedTask; }, Poll, CancellationToken.None);
        }
        return received;
    }

    private static async Task HandleUntilAsync(IStageSubscription subscription, Func<StageMessage, Task> handler)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await subscription.HandleNextAsync((m, _) => handler(m), Poll, CancellationToken.None))
            {
                return;
            }
        }
        Assert.Fail("no record arrived");
    }
}
