using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// What the <see cref="DeliveryWorker"/> consumes: the topics of the stage transport it reads, the consumer group the
/// nodes share, how many members this node runs (each one record at a time, so members are the node's parallelism)
/// and how a record names its document. Each mode registers one.
/// </summary>
/// <param name="Topics">The accepted-document topics, outbound and inbound.</param>
/// <param name="Group">The consumer group every node joins, so they share the partitions.</param>
/// <param name="Members">Members this node runs in the group.</param>
/// <param name="DocumentId">Reads the document id a record carries.</param>
/// <param name="BlocksWhileWaiting">
/// Whether the transport's subscriptions block the calling thread while they wait for a record (Kafka's consumer does):
/// each member then gets a thread of its own. The embedded log waits asynchronously, so its members are plain tasks.
/// </param>
public sealed record DeliveryFeed(IReadOnlyList<string> Topics, string Group, int Members, Func<StageMessage, Guid> DocumentId, bool BlocksWhileWaiting = true);
