namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>
/// eb:Receipt. An NRR receipt lists the references of the message received (ebbp:NonRepudiationInformation);
/// the other form embeds the eb:UserMessage received.
/// </summary>
public sealed record As4Receipt(string? NonRepudiationNamespace, IReadOnlyList<As4Reference> NonRepudiationReferences, As4UserMessage? EmbeddedUserMessage, IReadOnlyList<string> OtherContent);
