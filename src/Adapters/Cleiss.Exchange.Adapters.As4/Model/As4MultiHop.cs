namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>Multi-hop headers (ebMS3 Part 2): wsa:To (nextmsh), wsa:Action and the ebint:RoutingInput user message.</summary>
public sealed record As4MultiHop(string? To, string? ToRole, string? Action, As4UserMessage? RoutingInput);
