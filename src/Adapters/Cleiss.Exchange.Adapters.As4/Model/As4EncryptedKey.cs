namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An xenc:EncryptedKey: key transport algorithm (and OAEP digest and MGF), its key reference and the data it unlocks.</summary>
public sealed record As4EncryptedKey(string? Algorithm, string? DigestMethod, string? MaskGenerationFunction, As4KeyReference KeyReference, IReadOnlyList<string> DataReferences);
