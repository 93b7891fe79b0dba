namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>A wsse:BinarySecurityToken: its wsu:Id, value type (X509v3, X509PKIPathv1, ...) and size.</summary>
public sealed record As4SecurityToken(string? Id, string? ValueType, int Base64Length);
