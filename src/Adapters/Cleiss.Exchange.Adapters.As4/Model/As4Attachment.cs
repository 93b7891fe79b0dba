using System.Text.Json.Serialization;

namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A MIME part other than the root: its Content-ID (without angle brackets), type and decoded size.</summary>
public sealed record As4Attachment(string? ContentId, string ContentType, string? TransferEncoding, long Size)
{
    /// <summary>The decoded content (kept for the digest and decryption work of issue 5; not serialised).</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>True when <see cref="Content"/> is the plaintext decrypted by <see cref="Security.As4Decryptor"/>.</summary>
    public bool Decrypted { get; init; }
}
