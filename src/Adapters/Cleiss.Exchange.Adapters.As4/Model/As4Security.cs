namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A summary of the wsse:Security headers: signatures, tokens, encrypted keys and data.</summary>
public sealed record As4Security(
    int HeaderCount,
    bool HasTimestamp,
    IReadOnlyList<As4SecurityToken> Tokens,
    IReadOnlyList<As4Signature> Signatures,
    IReadOnlyList<As4EncryptedKey> EncryptedKeys,
    IReadOnlyList<As4EncryptedData> EncryptedData);
