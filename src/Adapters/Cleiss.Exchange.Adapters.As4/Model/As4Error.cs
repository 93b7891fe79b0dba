namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:Error.</summary>
public sealed record As4Error(string? ErrorCode, string? Severity, string? Category, string? ShortDescription, string? Origin, string? RefToMessageInError, string? Description);
