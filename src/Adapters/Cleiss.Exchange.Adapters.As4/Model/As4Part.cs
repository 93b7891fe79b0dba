namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>The MIME root part that carries the envelope.</summary>
public sealed record As4Part(string? ContentId, string ContentType, long Size);
