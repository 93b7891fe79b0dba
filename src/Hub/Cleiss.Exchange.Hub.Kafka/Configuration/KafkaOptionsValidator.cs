using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Kafka.Configuration;

/// <summary>Checks <c>Hub:Kafka</c> at start: brokers given, legal and distinct topic names, sane counts.</summary>
public sealed partial class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    /// <summary>Settings the transport's guarantees rest on; configuration may not change them.</summary>
    internal static readonly string[] ReservedClientSettings =
    [
        "enable.idempotence", "acks", "enable.auto.commit", "enable.auto.offset.store", "group.id", "bootstrap.servers",
    ];

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            failures.Add("Hub:Kafka:BootstrapServers is required (host:port[,host:port...]).");
        }
        if (string.IsNullOrWhiteSpace(options.ConsumerGroup))
        {
            failures.Add("Hub:Kafka:ConsumerGroup is required.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in options.AllTopics)
        {
            if (topic is null || topic is "." or ".." || !TopicName().IsMatch(topic))
            {
                failures.Add($"Hub:Kafka topic name '{topic}' is not a legal Kafka topic name (1-249 of a-z A-Z 0-9 . _ -).");
            }
            else if (!seen.Add(topic))
            {
                failures.Add($"Hub:Kafka topic '{topic}' is used for two purposes; every topic must be distinct.");
            }
        }
        if (options.Partitions is < 1 or > 10_000)
        {
            failures.Add("Hub:Kafka:Partitions must be between 1 and 10000.");
        }
        if (options.MembersPerNode is < 1 or > 256)
        {
            failures.Add("Hub:Kafka:MembersPerNode must be between 1 and 256.");
        }
        if (options.ReplicationFactor is < 1 or > 16)
        {
            failures.Add("Hub:Kafka:ReplicationFactor must be between 1 and 16.");
        }
        if (options.DeliveryTimeout < TimeSpan.FromSeconds(1) || options.SessionTimeout < TimeSpan.FromSeconds(6))
        {
            failures.Add("Hub:Kafka:DeliveryTimeout must be at least 1 s and SessionTimeout at least 6 s.");
        }
        foreach (var key in options.Client.Keys)
        {
            if (Array.IndexOf(ReservedClientSettings, key) >= 0)
            {
                failures.Add($"Hub:Kafka:Client:{key} cannot be set: the transport fixes it.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();
}
