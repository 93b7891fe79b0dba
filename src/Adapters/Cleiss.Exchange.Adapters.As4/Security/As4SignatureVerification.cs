using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>What a reference points at.</summary>
public enum As4ReferenceTarget
{
    /// <summary>Not resolved (or not looked at).</summary>
    Unknown,
    /// <summary>The eb:Messaging header.</summary>
    Messaging,
    /// <summary>The SOAP Body.</summary>
    Body,
    /// <summary>Another element of the envelope (a timestamp, a token, a routing header, ...).</summary>
    OtherElement,
    /// <summary>A MIME attachment (cid:).</summary>
    Attachment,
}

/// <summary>The outcome of one reference.</summary>
public enum As4ReferenceStatus
{
    /// <summary>The digest matches.</summary>
    Valid,
    /// <summary>The digest does not match: the part was changed.</summary>
    DigestMismatch,
    /// <summary>No element has the id, or the id is not an NCName.</summary>
    Unresolved,
    /// <summary>More than one element has the id (S02/S03).</summary>
    Ambiguous,
    /// <summary>The message has no attachment with this Content-ID.</summary>
    AttachmentAbsent,
    /// <summary>The attachment is encrypted and no key was given: the signed plaintext cannot be digested.</summary>
    AttachmentEncrypted,
    /// <summary>Not checked: the signature was refused before (policy, key).</summary>
    NotChecked,
}

/// <summary>One ds:Reference and its result; digests in base64.</summary>
public sealed record As4ReferenceResult(string Uri, As4ReferenceTarget Target, string? DigestMethod, As4ReferenceStatus Status, string? ExpectedDigest, string? ComputedDigest, string? Detail);

/// <summary>The key a signature was checked with, and where it came from.</summary>
public sealed record As4VerificationKey(string Source, string Subject, string Thumbprint, string Algorithm, int KeySize)
{
    /// <summary>The certificate (not serialised).</summary>
    [JsonIgnore]
    public X509Certificate2? Certificate { get; init; }
}

/// <summary>
/// The verdict on an AS4 message's WS-Security signature: valid or the first error (an <c>AS4.*</c> code) and the
/// ebMS error it maps to (EBMS:0101 FailedAuthentication, EBMS:0103 PolicyNoncompliance), with every reference's
/// result and the key used. Valid means cryptographically valid with that key: whether the key is trusted for
/// the sending party is the caller's decision.
/// </summary>
public sealed record As4SignatureVerification(
    bool IsValid,
    [property: JsonIgnore] ExchangeError? Error,
    string? SignatureMethod,
    string? CanonicalizationMethod,
    bool? SignatureValueValid,
    IReadOnlyList<As4ReferenceResult> References,
    As4VerificationKey? Key)
{
    /// <summary>
    /// The envelope elements the #id references resolved to, in SignedInfo order (S03: a later stage consumes these
    /// very nodes, never a second lookup by id). Not serialised.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<System.Xml.XmlElement> VerifiedElements { get; init; } = [];

    /// <summary>The AS4 error code, null when valid.</summary>
    public string? Code => Error?.Code;

    /// <summary>The error's detail, null when valid.</summary>
    public string? Detail => Error?.Detail;

    /// <summary>The ebMS error code this maps to (EBMS:0101 or EBMS:0103), null when valid.</summary>
    public string? EbmsErrorCode => Error is null ? null : WsSecurityVerifier.EbmsCode(Error.Code);
}
