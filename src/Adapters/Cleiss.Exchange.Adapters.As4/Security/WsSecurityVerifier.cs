using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
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
public static class WsSecurityVerifier
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
            using var rsa = key.Certificate!.GetRSAPublicKey();
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
            using var ec = key.Certificate!.GetECDsaPublicKey();
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
                using var rsa = key.Certificate!.GetRSAPublicKey()!;
                signatureValid = rsa.VerifyData(canonical, signatureValue, signatureMethod.Hash, RSASignaturePadding.Pkcs1);
            }
            else
            {
                using var ec = key.Certificate!.GetECDsaPublicKey()!;
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

    private sealed record ReferencePlan(string Uri, string? DigestMethod, string? DigestValue, int TransformCount, bool IsAttachment, string? PrefixList, string? PolicyError);

    private static ReferencePlan Plan(XmlElement reference)
    {
        var uri = reference.GetAttributeNode("URI")?.Value;
        var digestMethod = Child(reference, Dsig, "DigestMethod")?.GetAttribute("Algorithm");
        var digestValue = Child(reference, Dsig, "DigestValue")?.InnerText.Trim();
        var transforms = Child(reference, Dsig, "Transforms") is { } t
            ? As4EnvelopeReader.Elements(t).Where(e => e.NamespaceURI == Dsig && e.LocalName == "Transform").ToList()
            : [];
        ReferencePlan Refused(string why) => new(uri ?? "(none)", digestMethod, digestValue, transforms.Count, false, null, why);
        if (uri is null)
        {
            return Refused("a reference without URI is not allowed.");
        }
        if (digestMethod is null || !DigestMethods.ContainsKey(digestMethod))
        {
            return Refused($"DigestMethod {digestMethod} is not in the policy (sha256, sha384, sha512) (S17).");
        }
        if (string.IsNullOrEmpty(digestValue))
        {
            return Refused("no DigestValue.");
        }
        if (uri.StartsWith("cid:", StringComparison.Ordinal))
        {
            if (transforms.Count != 1 || transforms[0].GetAttribute("Algorithm") is not (AttachmentContentTransform or AttachmentCiphertextTransform))
            {
                return Refused($"an attachment reference must have exactly the SwA Attachment-Content-Signature-Transform, not [{string.Join(", ", transforms.Select(x => x.GetAttribute("Algorithm")))}] (S07/S08; Attachment-Complete is not supported).");
            }
            return new ReferencePlan(uri, digestMethod, digestValue, transforms.Count, true, null, null);
        }
        if (!uri.StartsWith('#'))
        {
            return Refused("only same-document (#id) and attachment (cid:) references are allowed; nothing is fetched (S05).");
        }
        if (!IsNcName(uri.AsSpan(1)))
        {
            return Refused("the id is not an NCName (S06).");
        }
        if (transforms.Count != 1 || transforms[0].GetAttribute("Algorithm") != ExcC14N)
        {
            return Refused($"an element reference must have exactly the exclusive C14N transform, not [{string.Join(", ", transforms.Select(x => x.GetAttribute("Algorithm")))}] (S07/S08/S11).");
        }
        if (!TryPrefixList(transforms[0], out var prefixes, out var prefixError))
        {
            return Refused(prefixError);
        }
        return new ReferencePlan(uri, digestMethod, digestValue, transforms.Count, false, prefixes, null);
    }

    private static As4ReferenceResult CheckReference(ReferencePlan plan, XmlDocument document, As4Message message, XmlElement? messaging, XmlElement? body,
        HashSet<string> encryptedCids, List<XmlElement> resolvedElements, HashSet<string> coveredCids)
    {
        byte[] expected;
        try
        {
            expected = Convert.FromBase64String(plan.DigestValue!);
        }
        catch (FormatException)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.DigestMismatch, null, "the DigestValue is not base64.");
        }
        var hash = DigestMethods[plan.DigestMethod!];
        As4ReferenceResult Result(As4ReferenceTarget target, As4ReferenceStatus status, byte[]? computed, string? detail) =>
            new(plan.Uri, target, plan.DigestMethod, status, plan.DigestValue, computed is null ? null : Convert.ToBase64String(computed), detail);
        As4ReferenceResult Compare(As4ReferenceTarget target, byte[] computed) =>
            CryptographicOperations.FixedTimeEquals(computed, expected)
                ? Result(target, As4ReferenceStatus.Valid, computed, null)
                : Result(target, As4ReferenceStatus.DigestMismatch, computed, "the digest does not match: the part was changed after signing.");

        if (plan.IsAttachment)
        {
            var cid = Uri.UnescapeDataString(plan.Uri[4..]);
            coveredCids.Add(cid);
            var matches = message.Attachments.Where(a => string.Equals(a.ContentId, cid, StringComparison.Ordinal)).ToList();
            if (matches.Count > 1)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.Ambiguous, null, $"{matches.Count} attachments have the Content-ID <{cid}>.");
            }
            if (matches.Count == 0)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.AttachmentAbsent, null, $"the message has no attachment <{cid}>.");
            }
            if (encryptedCids.Contains(cid) && !matches[0].Decrypted)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.AttachmentEncrypted, null, $"attachment <{cid}> is encrypted; its signed content cannot be digested without the recipient's key.");
            }
            // Attachment-Content-Signature-Transform: the octets of the decoded MIME content (SwA 1.1, 5.3.1).
            return Compare(As4ReferenceTarget.Attachment, Hash(hash, matches[0].Content.Span));
        }

        var id = plan.Uri[1..];
        var found = FindById(document, id);
        if (found.Count == 0)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.Unresolved, null, $"no element has the id {id}.");
        }
        if (found.Count > 1)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.Ambiguous, null, $"{found.Count} elements carry the id {id} (S02/S03): the reference is ambiguous.");
        }
        var element = found[0];
        resolvedElements.Add(element);
        var target = element == messaging ? As4ReferenceTarget.Messaging : element == body ? As4ReferenceTarget.Body : As4ReferenceTarget.OtherElement;
        return Compare(target, Hash(hash, Canonicalize(element, plan.PrefixList)));
    }

    private static byte[] Hash(HashAlgorithmName name, ReadOnlySpan<byte> data) =>
        name == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : name == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : SHA256.HashData(data);

    /// <summary>Every element whose wsu:Id, Id, ID or xml:id attribute equals <paramref name="id"/> (S02/S03: all attribute kinds count).</summary>
    private static List<XmlElement> FindById(XmlDocument document, string id)
    {
        var found = new List<XmlElement>();
        foreach (var element in Descendants(document.DocumentElement!))
        {
            foreach (XmlAttribute attribute in element.Attributes)
            {
                var isId = attribute.LocalName switch
                {
                    "Id" => attribute.NamespaceURI is "" or Wsu,
                    "ID" => attribute.NamespaceURI.Length == 0,
                    "id" => attribute.NamespaceURI == "http://www.w3.org/XML/1998/namespace",
                    _ => false,
                };
                if (isId && string.Equals(attribute.Value, id, StringComparison.Ordinal))
                {
                    found.Add(element);
                    break;
                }
            }
        }
        return found;
    }

    private static IEnumerable<XmlElement> Descendants(XmlElement root)
    {
        var stack = new Stack<XmlElement>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var element = stack.Pop();
            yield return element;
            for (var child = element.LastChild; child is not null; child = child.PreviousSibling)
            {
                if (child is XmlElement e)
                {
                    stack.Push(e);
                }
            }
        }
    }

    /// <summary>
    /// Exclusive C14N (without comments) of one element as an apex node: the element is copied into a document of
    /// its own with the namespace declarations in scope from its ancestors, which exclusive C14N then emits only
    /// where visibly used or named in the InclusiveNamespaces PrefixList. Attributes in the xml: namespace are not
    /// inherited (exc-c14n, section 3).
    /// </summary>
    internal static byte[] Canonicalize(XmlElement element, string? prefixList)
    {
        var isolated = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)isolated.ImportNode(element, deep: true);
        isolated.AppendChild(copy);
        for (var ancestor = element.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            foreach (XmlAttribute attribute in ancestor.Attributes)
            {
                if (attribute.NamespaceURI == XmlnsNamespace && !copy.HasAttribute(attribute.Name))
                {
                    var declaration = isolated.CreateAttribute(attribute.Prefix, attribute.LocalName, XmlnsNamespace);
                    declaration.Value = attribute.Value;
                    copy.Attributes.Append(declaration);
                }
            }
        }
        var transform = new XmlDsigExcC14NTransform(includeComments: false, prefixList);
        transform.LoadInput(isolated);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        output.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static bool TryPrefixList(XmlElement method, out string? prefixes, out string error)
    {
        prefixes = null;
        error = "";
        foreach (var child in As4EnvelopeReader.Elements(method))
        {
            if (child.NamespaceURI == ExcC14N && child.LocalName == "InclusiveNamespaces" && prefixes is null)
            {
                prefixes = child.GetAttribute("PrefixList");
                foreach (var prefix in prefixes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (prefix != "#default" && !IsNcName(prefix))
                    {
                        error = $"InclusiveNamespaces PrefixList holds '{prefix}', not a prefix.";
                        return false;
                    }
                }
            }
            else
            {
                error = $"Unexpected {child.Name} in {method.Name}.";
                return false;
            }
        }
        return true;
    }

    private static HashSet<string> EncryptedCids(XmlDocument document)
    {
        var cids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in Descendants(document.DocumentElement!))
        {
            if (element.NamespaceURI == Xenc && element.LocalName == "CipherReference"
                && element.GetAttribute("URI") is { } uri && uri.StartsWith("cid:", StringComparison.Ordinal))
            {
                cids.Add(Uri.UnescapeDataString(uri[4..]));
            }
        }
        return cids;
    }

    private static As4VerificationKey? ResolveKey(XmlElement signature, List<XmlElement> securityHeaders, As4VerificationKeys keys, out string? error)
    {
        error = null;
        if (keys.Override is { } forced)
        {
            return Describe(forced, "certificate given by the caller (overrides the message's key reference)");
        }
        var keyInfo = Child(signature, Dsig, "KeyInfo");
        if (keyInfo is null)
        {
            error = "The signature has no KeyInfo and no certificate was given.";
            return null;
        }
        var str = Child(keyInfo, Wsse, "SecurityTokenReference");
        var x509Data = Child(str ?? keyInfo, Dsig, "X509Data");
        if (str is not null && Child(str, Wsse, "Reference") is { } reference)
        {
            var uri = reference.GetAttribute("URI");
            if (!uri.StartsWith('#') || !IsNcName(uri.AsSpan(1)))
            {
                error = $"The SecurityTokenReference URI {uri} is not a same-document token reference.";
                return null;
            }
            var tokens = securityHeaders.SelectMany(As4EnvelopeReader.Elements)
                .Where(e => e.NamespaceURI == Wsse && e.LocalName == "BinarySecurityToken" && e.GetAttributeNode("Id", Wsu)?.Value == uri[1..]).ToList();
            if (tokens.Count != 1)
            {
                error = tokens.Count == 0 ? $"No BinarySecurityToken {uri} in the message." : $"{tokens.Count} BinarySecurityTokens have the id {uri[1..]}.";
                return null;
            }
            var valueType = tokens[0].GetAttribute("ValueType");
            if (valueType is not (X509v3 or X509PkiPathV1))
            {
                error = $"The BinarySecurityToken {uri} has value type {valueType}; X509v3 and X509PKIPathv1 are supported.";
                return null;
            }
            try
            {
                var der = Convert.FromBase64String(tokens[0].InnerText);
                var certificate = X509CertificateLoader.LoadCertificate(valueType == X509v3 ? der : PkiPathLeaf(der));
                return Describe(certificate, $"message BinarySecurityToken {uri}{(valueType == X509v3 ? "" : " (X509PKIPathv1, leaf)")}");
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException or AsnContentException)
            {
                error = $"The BinarySecurityToken {uri} is not an X.509 certificate: {ex.Message}";
                return null;
            }
        }
        if (str is not null && Child(str, Wsse, "KeyIdentifier") is { } identifier)
        {
            if (identifier.GetAttribute("ValueType") != SkiValueType)
            {
                error = $"KeyIdentifier of value type {identifier.GetAttribute("ValueType")} is not supported (X509SubjectKeyIdentifier is).";
                return null;
            }
            return BySki(identifier.InnerText.Trim(), keys, out error);
        }
        if (x509Data is not null)
        {
            if (Child(x509Data, Dsig, "X509SKI") is { } ski)
            {
                return BySki(ski.InnerText.Trim(), keys, out error);
            }
            if (Child(x509Data, Dsig, "X509IssuerSerial") is { } issuerSerial)
            {
                var issuer = Child(issuerSerial, Dsig, "X509IssuerName")?.InnerText.Trim();
                var serialText = Child(issuerSerial, Dsig, "X509SerialNumber")?.InnerText.Trim();
                if (issuer is null || !BigInteger.TryParse(serialText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var serial))
                {
                    error = "The X509IssuerSerial has no issuer name or no decimal serial number.";
                    return null;
                }
                foreach (var candidate in keys.Candidates)
                {
                    var candidateSerial = new BigInteger(candidate.GetSerialNumber(), isUnsigned: true, isBigEndian: false);
                    if (candidateSerial == serial && SameName(candidate.IssuerName, issuer))
                    {
                        return Describe(candidate, $"certificate given by the caller, matched by IssuerSerial ({issuer}, {serial})");
                    }
                }
                error = $"No certificate given matches IssuerSerial ({issuer}, {serial}).";
                return null;
            }
            if (Child(x509Data, Dsig, "X509Certificate") is { } embedded)
            {
                try
                {
                    return Describe(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(embedded.InnerText)), "message KeyInfo X509Certificate");
                }
                catch (Exception ex) when (ex is FormatException or CryptographicException)
                {
                    error = $"The KeyInfo X509Certificate is not an X.509 certificate: {ex.Message}";
                    return null;
                }
            }
        }
        error = "The KeyInfo names no key this verifier can resolve (BinarySecurityToken, SubjectKeyIdentifier, IssuerSerial, X509Certificate); a bare KeyValue is never used (S12).";
        return null;
    }

    /// <summary>The leaf of an X509PKIPathv1 token: a DER SEQUENCE OF Certificate ordered from the issuer to the leaf, so the last one.</summary>
    private static byte[] PkiPathLeaf(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        ReadOnlyMemory<byte> last = default;
        var count = 0;
        while (sequence.HasData)
        {
            if (++count > 10)
            {
                throw new AsnContentException("The X509PKIPathv1 holds more than 10 certificates.");
            }
            last = sequence.ReadEncodedValue();
        }
        if (count == 0)
        {
            throw new AsnContentException("The X509PKIPathv1 is empty.");
        }
        return last.ToArray();
    }

    private static As4VerificationKey? BySki(string value, As4VerificationKeys keys, out string? error)
    {
        error = null;
        byte[] ski;
        try
        {
            ski = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            error = "The SubjectKeyIdentifier is not base64.";
            return null;
        }
        foreach (var candidate in keys.Candidates)
        {
            if (candidate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } extension
                && extension.SubjectKeyIdentifierBytes.Span.SequenceEqual(ski))
            {
                return Describe(candidate, $"certificate given by the caller, matched by SubjectKeyIdentifier {value}");
            }
        }
        error = $"No certificate given has the SubjectKeyIdentifier {value}.";
        return null;
    }

    private static bool SameName(X500DistinguishedName name, string text)
    {
        try
        {
            var other = new X500DistinguishedName(text);
            return string.Equals(Normalise(name), Normalise(other), StringComparison.OrdinalIgnoreCase);
        }
        catch (CryptographicException)
        {
            return false;
        }
        static string Normalise(X500DistinguishedName n) =>
            string.Join(",", n.Format(multiLine: true).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.OrdinalIgnoreCase));
    }

    private static As4VerificationKey Describe(X509Certificate2 certificate, string source)
    {
        var algorithm = certificate.GetKeyAlgorithm() switch
        {
            "1.2.840.113549.1.1.1" => "RSA",
            "1.2.840.10045.2.1" => "EC",
            var other => other,
        };
        int size;
        if (algorithm == "RSA")
        {
            using var rsa = certificate.GetRSAPublicKey();
            size = rsa?.KeySize ?? 0;
        }
        else if (algorithm == "EC")
        {
            using var ec = certificate.GetECDsaPublicKey();
            size = ec?.KeySize ?? 0;
        }
        else
        {
            size = 0;
        }
        return new As4VerificationKey(source, certificate.Subject, certificate.Thumbprint, algorithm, size) { Certificate = certificate };
    }

    private static XmlElement? Child(XmlElement parent, string ns, string localName) =>
        As4EnvelopeReader.Elements(parent).FirstOrDefault(e => e.NamespaceURI == ns && e.LocalName == localName);

    /// <summary>An NCName (XML Namespaces 1.0): what a same-document reference may name; checked before any lookup (S06).</summary>
    internal static bool IsNcName(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 256)
        {
            return false;
        }
        try
        {
            return XmlConvert.VerifyNCName(value.ToString()).Length == value.Length;
        }
        catch (XmlException)
        {
            return false;
        }
    }
}
