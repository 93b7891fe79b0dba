using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// Waits until the hubs' consumer group has all its members and every partition of the outbound topic is assigned,
/// asking the brokers (DescribeConsumerGroups) once a second while the posters already run. On librdkafka's mock a
/// member that joins a stable group gets partitions only after a while (up to ~20 s seen), so a node measured before
/// that would take documents in but deliver none. If the brokers cannot describe the group, waits a fixed
/// <see cref="Fallback"/> instead and says so.
/// </summary>
internal static class GroupWait
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Fallback = TimeSpan.FromSeconds(25);

    public static async Task UntilAssignedAsync(string bootstrap, string group, int members, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var waited = Stopwatch.StartNew();
        var last = "";
        while (waited.Elapsed < Patience)
        {
            try
            {
                var described = await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
                var description = described.ConsumerGroupDescriptions[0];
                var assigned = description.Members.SelectMany(m => m.Assignment?.TopicPartitions ?? []).Count(tp => tp.Topic == topic);
                var holders = description.Members.Count(m => m.Assignment?.TopicPartitions.Any(tp => tp.Topic == topic) == true);
                last = $"{description.State}, {description.Members.Count}/{members} members, {assigned}/{partitions} partitions of {topic} held by {holders} members";
                if (description.State == ConsumerGroupState.Stable && description.Members.Count == members && assigned == partitions)
                {
                    Console.WriteLine($"   consumer group {group}: {last} after {waited.Elapsed.TotalSeconds:0.0} s of load");
                    return;
                }
            }
            catch (KafkaException ex)
            {
                Console.WriteLine($"   consumer group {group} not described ({ex.Error.Reason}); waiting a fixed {Fallback.TotalSeconds:0} s instead");
                await Task.Delay(Fallback - waited.Elapsed > TimeSpan.Zero ? Fallback - waited.Elapsed : TimeSpan.Zero);
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Console.WriteLine($"   consumer group {group} not complete after {Patience.TotalSeconds:0} s ({last}); measuring anyway");
    }
}
