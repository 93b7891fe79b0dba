using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>
/// What <see cref="WsSecurityVerifier"/> accepts. The defaults are the hub's inbound profile: exclusive C14N only,
/// RSA PKCS#1 v1.5 or ECDSA with SHA-256/384/512 (eDelivery AS4 mandates rsa-sha256; the stronger hashes are accepted
/// inbound because real access points use them, e.g. AS4.NET's rsa-sha384), SHA-256/384/512 digests, RSA keys of
/// at least 2048 bits, at most 30 references and 5 transforms per reference (Santuario's secure-validation limits).
/// </summary>
public sealed class As4SignaturePolicy
{
    /// <summary>Most ds:Reference elements in SignedInfo. Default 30 (S09).</summary>
    public int MaxReferences { get; init; } = 30;

    /// <summary>Most transforms per reference. Default 5 (S09).</summary>
    public int MaxTransforms { get; init; } = 5;

    /// <summary>Smallest RSA modulus accepted, in bits. Default 2048 (S17).</summary>
    public int MinRsaKeyBits { get; init; } = 2048;

    /// <summary>
    /// When true, a cid: reference whose attachment is absent, or present but encrypted (no key to decrypt it here),
    /// is reported as not checked instead of failing the verification. For operators looking at captures; never for
    /// the receiving gateway.
    /// </summary>
    public bool AllowUncheckedAttachments { get; init; }

    /// <summary>When true (default), the references must cover eb:Messaging, the SOAP Body and every attachment (S04).</summary>
    public bool RequireCoverage { get; init; } = true;
}

/// <summary>Certificates the caller supplies to <see cref="WsSecurityVerifier"/>.</summary>
public sealed class As4VerificationKeys
{
    /// <summary>When set, the only key used: it overrides the message's token and key references (<c>--cert</c>).</summary>
    public X509Certificate2? Override { get; init; }

    /// <summary>Certificates that a SubjectKeyIdentifier or IssuerSerial key reference may name.</summary>
    public IReadOnlyList<X509Certificate2> Candidates { get; init; } = [];
}
