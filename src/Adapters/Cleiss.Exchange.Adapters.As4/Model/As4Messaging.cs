namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>The eb:Messaging header: its user messages and signal messages, in document order.</summary>
public sealed record As4Messaging(string? Id, bool MustUnderstand, string? Role, IReadOnlyList<As4UserMessage> UserMessages, IReadOnlyList<As4SignalMessage> SignalMessages);
