namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>eb:From or eb:To: the party ids and the role.</summary>
public sealed record As4Party(IReadOnlyList<As4PartyId> PartyIds, string? Role);
