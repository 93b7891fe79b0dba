namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A SOAP fault (1.2 Code/Subcode/Reason, or 1.1 faultcode/faultstring).</summary>
public sealed record As4Fault(string? Code, string? Subcode, string? Reason);
