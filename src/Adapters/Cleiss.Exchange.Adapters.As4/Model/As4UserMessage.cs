namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:UserMessage (also the routing copy inside ebint:RoutingInput).</summary>
public sealed record As4UserMessage(
    string? Mpc,
    As4MessageInfo? MessageInfo,
    As4Party? From,
    As4Party? To,
    As4Collaboration? Collaboration,
    IReadOnlyList<As4Property> MessageProperties,
    IReadOnlyList<As4PartInfo> Parts);
