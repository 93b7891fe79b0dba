namespace Cleiss.Exchange.Hub.Kafka.Configuration;

/// <summary>
/// Cluster mode's Kafka settings (<c>Hub:Kafka</c>): where the brokers are, the topic of each stage
/// boundary, the dead-letter and audit topics, and how many partitions they are created with.
/// Validated at start by <see cref="KafkaOptionsValidator"/>.
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Hub:Kafka";

    /// <summary>Comma-separated host:port list of the Kafka brokers (required).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>The consumer group all hub nodes join, so they share the partitions. Default <c>cleiss-hub</c>.</summary>
    public string ConsumerGroup { get; set; } = "cleiss-hub";

    /// <summary>Client id sent to the brokers (shows in broker logs and quotas). Default <c>cleiss-hub</c>.</summary>
    public string ClientId { get; set; } = "cleiss-hub";

    /// <summary>Stage boundary: accepted outbound documents to the delivery segment.</summary>
    public string OutboundTopic { get; set; } = "hub.outbound.accepted";

    /// <summary>Stage boundary: accepted inbound documents to the delivery segment.</summary>
    public string InboundTopic { get; set; } = "hub.inbound.accepted";

    /// <summary>Documents that failed for good.</summary>
    public string DeadLetterTopic { get; set; } = "hub.dead-letter";

    /// <summary>Audit events (AuditEvent.avsc).</summary>
    public string AuditTopic { get; set; } = "hub.audit";

    /// <summary>Receipts (Receipt.avsc).</summary>
    public string ReceiptTopic { get; set; } = "hub.receipts";

    /// <summary>Partitions of every topic: the most hub nodes that can work a topic at once. Default 12.</summary>
    public int Partitions { get; set; } = 12;

    /// <summary>
    /// Consumer-group members each node runs on the accepted-document topics: each handles one record at a time, so
    /// this is a node's delivery parallelism. Default 4. Members beyond the partitions of the topics stay idle.
    /// </summary>
    public int MembersPerNode { get; set; } = 4;

    /// <summary>Replicas of every partition. Default 3 (with min.insync.replicas 2 on the brokers, acks=all then survives one broker).</summary>
    public short ReplicationFactor { get; set; } = 3;

    /// <summary>How long a produce may take, retries included, before it fails. Default 30 s.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node may be silent before the group gives its partitions to the others. Default 30 s.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Further librdkafka settings passed through as-is (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>,
    /// <c>ssl.ca.location</c>). The settings this transport depends on (idempotence, acks, auto commit) cannot be overridden.
    /// </summary>
    public Dictionary<string, string> Client { get; set; } = [];

    /// <summary>Every topic the hub uses, stage boundaries first.</summary>
    public IReadOnlyList<string> AllTopics => [OutboundTopic, InboundTopic, DeadLetterTopic, AuditTopic, ReceiptTopic];
}
