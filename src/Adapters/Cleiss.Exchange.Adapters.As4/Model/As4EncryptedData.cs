namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An xenc:EncryptedData: its id, type, MIME type, algorithm and the cid: it replaces.</summary>
public sealed record As4EncryptedData(string? Id, string? Type, string? MimeType, string? Algorithm, string? CipherReference);
