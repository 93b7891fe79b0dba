namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>eb:MessageInfo (the timestamp is kept as written).</summary>
public sealed record As4MessageInfo(string? MessageId, string? Timestamp, string? RefToMessageId);
