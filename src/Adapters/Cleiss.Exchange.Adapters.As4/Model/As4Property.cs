namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:Property (message or part property).</summary>
public sealed record As4Property(string? Name, string? Type, string Value);
