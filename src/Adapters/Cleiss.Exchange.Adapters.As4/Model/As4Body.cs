namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>The SOAP Body: its wsu:Id, its child elements (empty in AS4) and a SOAP fault if there is one.</summary>
public sealed record As4Body(string? Id, IReadOnlyList<string> Children, As4Fault? Fault);
