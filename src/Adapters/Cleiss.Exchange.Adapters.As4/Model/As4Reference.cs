namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A ds:Reference: what it points at, its transforms and digest method.</summary>
public sealed record As4Reference(string? Uri, IReadOnlyList<string> Transforms, string? DigestMethod, string? DigestValue);
