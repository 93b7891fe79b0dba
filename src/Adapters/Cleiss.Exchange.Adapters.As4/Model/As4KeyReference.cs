namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>
/// A key reference: its kind; for a token reference the URI, the token's value type and whether the token is in
/// the message; for a key identifier or issuer/serial the value as written.
/// </summary>
public sealed record As4KeyReference(As4KeyReferenceKind Kind, string? Uri, string? ValueType, string? Value, bool? TokenPresent);
