namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>eb:PartyId and its type attribute.</summary>
public sealed record As4PartyId(string Value, string? Type);
