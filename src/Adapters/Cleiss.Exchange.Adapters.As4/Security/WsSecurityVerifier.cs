using System.Security.Cryptography;
using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Trust;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>
/// Verifies the wsse:Security ds:Signature of an AS4 message read by <see cref="As4MessageReader"/>: the allow-listed
/// algorithms and transforms first (no crypto before the policy holds), then the key, every reference's digest
/// (<c>#id</c> resolved to exactly one element by wsu:Id/Id/ID, exclusive C14N; <c>cid:</c> resolved to the attachment
/// and digested over its decoded content, the SwA Attachment-Content-Signature-Transform that SignedXml cannot do),
/// the SignatureValue over the exclusive-C14N SignedInfo, and last the coverage of eb:Messaging, the Body and every
/// attachment. Nothing is thrown for bad input; nothing is fetched.
/// </summary>
public static partial class WsSecurityVerifier
{
    public const string ExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string AttachmentContentTransform = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform";
    public const string AttachmentCiphertextTransform = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Ciphertext-Transform";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    public const string RsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string EcdsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    public const string Sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";
    public const string EbmsFailedAuthentication = "EBMS:0101";
    public const string EbmsPolicyNoncompliance = "EBMS:0103";

    private const string X509v3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
    private const string X509PkiPathV1 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1";
    private const string SkiValueType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private static readonly Dictionary<string, (bool Rsa, HashAlgorithmName Hash)> SignatureMethods = new(StringComparer.Ordinal)
    {
        [RsaSha256] = (true, HashAlgorithmName.SHA256),
        [RsaSha384] = (true, HashAlgorithmName.SHA384),
        [RsaSha512] = (true, HashAlgorithmName.SHA512),
        [EcdsaSha256] = (false, HashAlgorithmName.SHA256),
        [EcdsaSha384] = (false, HashAlgorithmName.SHA384),
        [EcdsaSha512] = (false, HashAlgorithmName.SHA512),
    };

    private static readonly Dictionary<string, HashAlgorithmName> DigestMethods = new(StringComparer.Ordinal)
    {
        [Sha256] = HashAlgorithmName.SHA256,
        [Sha384] = HashAlgorithmName.SHA384,
        [Sha512] = HashAlgorithmName.SHA512,
    };

    /// <summary>The ebMS error an <c>AS4.*</c> security code maps to (null for codes that are not about signature, decryption or decompression).</summary>
    public static string? EbmsCode(string code) => code switch
    {
        ExchangeErrors.As4SignatureMissing or ExchangeErrors.As4SignaturePolicy or ExchangeErrors.As4SignatureCoverage => EbmsPolicyNoncompliance,
        ExchangeErrors.As4SignatureKeyUnavailable or ExchangeErrors.As4SignatureReference or ExchangeErrors.As4DigestMismatch or ExchangeErrors.As4SignatureInvalid => EbmsFailedAuthentication,
        ExchangeErrors.As4DecryptionFailed => As4Decryptor.EbmsFailedDecryption,
        ExchangeErrors.As4DecompressionFailed => As4Decryptor.EbmsDecompressionFailure,
        _ => null,
    };

    /// <summary>Verifies the message's signature.</summary>
    public static As4SignatureVerification Verify(As4Message message, As4VerificationKeys? keys = null, As4SignaturePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        keys ??= new As4VerificationKeys();
        policy ??= new As4SignaturePolicy();
        var document = message.Envelope;
        if (document?.DocumentElement is not { } envelope)
        {
            return Fail(ExchangeErrors.As4SignatureMissing, "The message has no parsed envelope.");
        }
        var soap = envelope.NamespaceURI;
        var header = Child(envelope, soap, "Header");
        var body = Child(envelope, soap, "Body");
        var signatures = new List<XmlElement>();
        var securityHeaders = new List<XmlElement>();
        XmlElement? messaging = null;
        foreach (var block in header is null ? [] : As4EnvelopeReader.Elements(header))
        {
            if ((block.NamespaceURI == Wsse || block.NamespaceURI == Wsse11) && block.LocalName == "Security")
            {
                securityHeaders.Add(block);
                signatures.AddRange(As4EnvelopeReader.Elements(block).Where(e => e.NamespaceURI == Dsig && e.LocalName == "Signature"));
            }
            else if (block.NamespaceURI == Ebms && block.LocalName == "Messaging")
            {
                messaging ??= block;
            }
        }
        if (signatures.Count == 0)
        {
            return Fail(ExchangeErrors.As4SignatureMissing, "No ds:Signature in a wsse:Security header.");
        }
        if (signatures.Count > 1)
        {
            return Fail(ExchangeErrors.As4SignaturePolicy, $"{signatures.Count} ds:Signature elements in the wsse:Security headers; the policy allows one (S09).");
        }
        var signature = signatures[0];
        var signedInfo = Child(signature, Dsig, "SignedInfo");
        var signatureValueElement = Child(signature, Dsig, "SignatureValue");
        if (signedInfo is null || signatureValueElement is null)
        {
            return Fail(ExchangeErrors.As4SignaturePolicy, "The ds:Signature has no SignedInfo or no SignatureValue.");
        }

        // 1. Policy on SignedInfo, before any digest or key operation.
        var c14nElement = Child(signedInfo, Dsig, "CanonicalizationMethod");
        var c14n = c14nElement?.GetAttribute("Algorithm");
        var method = Child(signedInfo, Dsig, "SignatureMethod")?.GetAttribute("Algorithm");
        var referenceElements = As4EnvelopeReader.Elements(signedInfo).Where(e => e.NamespaceURI == Dsig && e.LocalName == "Reference").ToList();
        var plans = new List<ReferencePlan>();
        foreach (var element in referenceElements.Take(policy.MaxReferences + 1))
        {
            plans.Add(Plan(element));
        }
        var notChecked = plans.Select(p => new As4ReferenceResult(p.Uri, As4ReferenceTarget.Unknown, p.DigestMethod, As4ReferenceStatus.NotChecked, p.DigestValue, null, null)).ToList();
        As4SignatureVerification Refuse(string code, string detail, As4VerificationKey? key = null) =>
            new(false, ExchangeErrors.Permanent(code, As4MessageReader.Stage, detail), method, c14n, null, notChecked, key);

        if (c14n != ExcC14N)
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, $"SignedInfo canonicalization {c14n} is not exclusive C14N without comments (S11).");
        }
        if (method is null || !SignatureMethods.TryGetValue(method, out var signatureMethod))
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, $"SignatureMethod {method} is not in the policy (rsa-sha256/384/512, ecdsa-sha256/384/512) (S17/S18).");
        }
        if (!TryPrefixList(c14nElement!, out var signedInfoPrefixes, out var prefixError))
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, prefixError);
        }
        if (referenceElements.Count == 0)
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, "SignedInfo has no reference.");
        }
        if (referenceElements.Count > policy.MaxReferences)
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, $"SignedInfo has {referenceElements.Count} references; the policy allows {policy.MaxReferences} (S09).");
        }
        foreach (var plan in plans)
        {
            if (plan.TransformCount > policy.MaxTransforms)
            {
                return Refuse(ExchangeErrors.As4SignaturePolicy, $"Reference {plan.Uri} has {plan.TransformCount} transforms; the policy allows {policy.MaxTransforms} (S09).");
            }
            if (plan.PolicyError is { } planError)
            {
                return Refuse(ExchangeErrors.As4SignaturePolicy, $"Reference {plan.Uri}: {planError}");
            }
        }
        byte[] signatureValue;
        try
        {
            signatureValue = Convert.FromBase64String(signatureValueElement.InnerText);
        }
        catch (FormatException)
        {
            return Refuse(ExchangeErrors.As4SignaturePolicy, "The SignatureValue is not base64.");
        }

        // 2. The key.
        var key = ResolveKey(signature, securityHeaders, keys, out var keyError);
        if (key is null)
        {
            return Refuse(ExchangeErrors.As4SignatureKeyUnavailable, keyError!);
        }
        if (signatureMethod.Rsa)
        {
            var rsa = PublicKeys.Rsa(key.Certificate!);
            if (rsa is null)
            {
                return Refuse(ExchangeErrors.As4SignaturePolicy, $"SignatureMethod {method} needs an RSA key; the certificate has a {key.Algorithm} key.", key);
            }
            if (rsa.KeySize < policy.MinRsaKeyBits)
            {
                return Refuse(ExchangeErrors.As4SignaturePolicy, $"The RSA key has {rsa.KeySize} bits; the policy requires at least {policy.MinRsaKeyBits} (S17).", key);
            }
        }
        else
        {
            var ec = PublicKeys.Ecdsa(key.Certificate!);
            if (ec is null)
            {
                return Refuse(ExchangeErrors.As4SignaturePolicy, $"SignatureMethod {method} needs an EC key; the certificate has a {key.Algorithm} key.", key);
            }
        }

        // 3. The references.
        var encryptedCids = EncryptedCids(document);
        var results = new List<As4ReferenceResult>(plans.Count);
        var resolvedElements = new List<XmlElement>();
        var coveredCids = new HashSet<string>(StringComparer.Ordinal);
        ExchangeError? firstError = null;
        foreach (var plan in plans)
        {
            var result = CheckReference(plan, document, message, messaging, body, encryptedCids, resolvedElements, coveredCids);
            results.Add(result);
            if (firstError is null && result.Status switch
            {
                As4ReferenceStatus.Valid => false,
                As4ReferenceStatus.AttachmentAbsent or As4ReferenceStatus.AttachmentEncrypted => !policy.AllowUncheckedAttachments,
                _ => true,
            })
            {
                var code = result.Status == As4ReferenceStatus.DigestMismatch ? ExchangeErrors.As4DigestMismatch : ExchangeErrors.As4SignatureReference;
                firstError = ExchangeErrors.Permanent(code, As4MessageReader.Stage, $"Reference {plan.Uri}: {result.Detail}");
            }
        }

        // 4. The signature value over the canonical SignedInfo.
        var canonical = Canonicalize(signedInfo, signedInfoPrefixes);
        bool signatureValid;
        try
        {
            if (signatureMethod.Rsa)
            {
                var rsa = PublicKeys.Rsa(key.Certificate!)!;
                signatureValid = rsa.VerifyData(canonical, signatureValue, signatureMethod.Hash, RSASignaturePadding.Pkcs1);
            }
            else
            {
                var ec = PublicKeys.Ecdsa(key.Certificate!)!;
                signatureValid = ec.VerifyData(canonical, signatureValue, signatureMethod.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
        }
        catch (CryptographicException)
        {
            signatureValid = false;
        }
        if (firstError is null && !signatureValid)
        {
            firstError = ExchangeErrors.Permanent(ExchangeErrors.As4SignatureInvalid, As4MessageReader.Stage, $"The SignatureValue does not verify with the key of {key.Subject} ({key.Source}).");
        }

        // 5. Coverage (S04): eb:Messaging, the Body and every attachment must be signed.
        if (firstError is null && policy.RequireCoverage)
        {
            var missing = new List<string>();
            if (messaging is null || !resolvedElements.Contains(messaging))
            {
                missing.Add("eb:Messaging");
            }
            if (body is null || !resolvedElements.Contains(body))
            {
                missing.Add("the SOAP Body");
            }
            foreach (var attachment in message.Attachments)
            {
                if (attachment.ContentId is null || !coveredCids.Contains(attachment.ContentId))
                {
                    missing.Add($"attachment <{attachment.ContentId}>");
                }
            }
            foreach (var part in message.Messaging?.UserMessages.SelectMany(u => u.Parts) ?? [])
            {
                if (part.Href is { } href && href.StartsWith("cid:", StringComparison.Ordinal) && !coveredCids.Contains(href[4..])
                    && !message.Attachments.Any(a => a.ContentId == href[4..])) // a present attachment is already listed above
                {
                    missing.Add($"payload {href}");
                }
            }
            if (missing.Count > 0)
            {
                firstError = ExchangeErrors.Permanent(ExchangeErrors.As4SignatureCoverage, As4MessageReader.Stage, $"Not covered by the signature: {string.Join(", ", missing)} (S04).");
            }
        }
        return new As4SignatureVerification(firstError is null, firstError, method, c14n, signatureValid, results, key) { VerifiedElements = resolvedElements };
    }

    private static As4SignatureVerification Fail(string code, string detail) =>
        new(false, ExchangeErrors.Permanent(code, As4MessageReader.Stage, detail), null, null, null, [], null);

    private static XmlElement? Child(XmlElement parent, string ns, string localName) =>
        As4EnvelopeReader.Elements(parent).FirstOrDefault(e => e.NamespaceURI == ns && e.LocalName == localName);
}
