namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A ds:Signature's SignedInfo and how it names its key.</summary>
public sealed record As4Signature(string? CanonicalizationMethod, string? SignatureMethod, IReadOnlyList<As4Reference> References, As4KeyReference KeyReference);
