using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>The result of checking a business signature.</summary>
/// <param name="Code">Null when valid, else the VERIFY.* error code.</param>
/// <param name="Detail">Why it failed.</param>
/// <param name="Algorithm">The short name of the signature method, when valid.</param>
public readonly record struct SignatureCheck(string? Code, string Detail, string? Algorithm = null)
{
    public bool IsValid => Code is null;
}

/// <summary>
/// The enveloped XML-DSig business signature (runs per message): exclusive C14N, RSA-SHA256 or
/// ECDSA-P256-SHA256 (<see cref="SignatureAlgorithms"/>), SHA-256 digest, one reference to the whole document (<c>URI=""</c>), the certificate in KeyInfo
/// as a hint only. Verification uses the certificate the caller trusts for the claimed sender,
/// never the key the document brings, and refuses anything outside that exact profile, including any
/// content of the ds:Signature beyond SignedInfo, SignatureValue and KeyInfo (it would travel unsigned).
/// </summary>
public static class BusinessSignature
{
    public const string DsigNamespace = SignedXml.XmlDsigNamespaceUrl;

    /// <summary>The namespace of exclusive C14N's ec:InclusiveNamespaces, the one non-DSig element a signature may hold.</summary>
    private const string ExcC14NNamespace = SignedXml.XmlDsigExcC14NTransformUrl;

    /// <summary>
    /// Signs the document and appends the signature as the last child of <paramref name="parent"/>.
    /// Returns the reference digest (base64). The digest is the exclusive canonical form of the whole
    /// document before the signature is added, which is what a verifier gets after the enveloped-signature
    /// transform; SignedInfo is written directly in its canonical form (its content is fixed by the
    /// profile), so signing costs one tree walk, two hashes and the key operation.
    /// </summary>
    public static string Sign(XmlDocument document, XmlElement parent, SigningCredentials credentials)
    {
        var digest = Convert.ToBase64String(ExclusiveCanonicalizer.Sha256(document));
        var signedInfo = CanonicalSignedInfo(credentials.SignatureMethod, digest);
        var value = credentials.PrivateKey switch
        {
            System.Security.Cryptography.RSA rsa => rsa.SignData(signedInfo, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1),
            System.Security.Cryptography.ECDsa ec => ec.SignData(signedInfo, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            _ => throw new InvalidOperationException("The signing key is neither RSA nor ECDSA."),
        };

        XmlElement Ds(XmlNode to, string name, string? algorithm = null, string? text = null)
        {
            var element = document.CreateElement(name, DsigNamespace);
            if (algorithm is not null)
            {
                element.SetAttribute("Algorithm", algorithm);
            }
            if (text is not null)
            {
                element.AppendChild(document.CreateTextNode(text));
            }
            to.AppendChild(element);
            return element;
        }
        var signature = document.CreateElement("Signature", DsigNamespace);
        var info = Ds(signature, "SignedInfo");
        Ds(info, "CanonicalizationMethod", SignedXml.XmlDsigExcC14NTransformUrl);
        Ds(info, "SignatureMethod", credentials.SignatureMethod);
        var reference = Ds(info, "Reference");
        reference.SetAttribute("URI", string.Empty);
        var transforms = Ds(reference, "Transforms");
        Ds(transforms, "Transform", SignedXml.XmlDsigEnvelopedSignatureTransformUrl);
        Ds(transforms, "Transform", SignedXml.XmlDsigExcC14NTransformUrl);
        Ds(reference, "DigestMethod", SignedXml.XmlDsigSHA256Url);
        Ds(reference, "DigestValue", text: digest);
        Ds(signature, "SignatureValue", text: Convert.ToBase64String(value));
        Ds(Ds(Ds(signature, "KeyInfo"), "X509Data"), "X509Certificate", text: Convert.ToBase64String(credentials.Certificate.RawData));
        parent.AppendChild(signature);
        return digest;
    }

    /// <summary>
    /// Signs <paramref name="stored"/> (the bytes <paramref name="document"/> was parsed from) and returns the
    /// signed bytes: the stored bytes unchanged with the signature inserted just before the end tag of
    /// <paramref name="sed"/>, when that end tag closes the document's last element (the usual layout);
    /// otherwise the signed tree serialised. Either way the result canonicalises to the same signed document.
    /// Leaves <paramref name="document"/> signed too.
    /// </summary>
    public static byte[] SignBytes(ReadOnlySpan<byte> stored, XmlDocument document, XmlElement sed, SigningCredentials credentials, out string digest)
    {
        digest = Sign(document, sed, credentials);
        var signature = (XmlElement)sed.LastChild!;
        var at = EndTagOffset(stored, document, sed);
        if (at < 0)
        {
            return System.Text.Encoding.UTF8.GetBytes(document.OuterXml);
        }
        // The signature declares its own default namespace, so its text means the same anywhere.
        var inserted = System.Text.Encoding.UTF8.GetBytes(signature.OuterXml);
        var signed = new byte[stored.Length + inserted.Length];
        stored[..at].CopyTo(signed);
        inserted.CopyTo(signed.AsSpan(at));
        stored[at..].CopyTo(signed.AsSpan(at + inserted.Length));
        return signed;
    }

    /// <summary>
    /// The offset of <c>&lt;/</c> of the end tag of <paramref name="sed"/> in <paramref name="bytes"/>, found from the
    /// end: the root's end tag, whitespace, then the SED's end tag, names checked; -1 for any other layout
    /// (comments or processing instructions there, an empty-element SED, another last element).
    /// </summary>
    private static int EndTagOffset(ReadOnlySpan<byte> bytes, XmlDocument document, XmlElement sed)
    {
        if (document.DocumentElement is not { } root || sed.ParentNode != root || LastElementChild(root) != sed)
        {
            return -1;
        }
        var rootEnd = EndTagBefore(bytes, bytes.Length, root.Name);
        return rootEnd < 0 ? -1 : EndTagBefore(bytes, rootEnd, sed.Name);
    }

    /// <summary>Where <c>&lt;/name&gt;</c> starts when it is the last markup before <paramref name="end"/> (whitespace aside), else -1.</summary>
    private static int EndTagBefore(ReadOnlySpan<byte> bytes, int end, string name)
    {
        while (end > 0 && bytes[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            end--;
        }
        if (end == 0 || bytes[end - 1] != (byte)'>')
        {
            return -1;
        }
        var open = bytes[..end].LastIndexOf("</"u8);
        if (open < 0)
        {
            return -1;
        }
        var tag = bytes[(open + 2)..(end - 1)].TrimEnd(" \t\r\n"u8);
        return System.Text.Encoding.UTF8.GetByteCount(name) == tag.Length && System.Text.Encoding.UTF8.GetString(tag) == name ? open : -1;
    }

    /// <summary>
    /// SignedInfo in its exclusive canonical form, as a verifier computes it from the element <see cref="Sign"/>
    /// appends (default namespace declared on SignedInfo, empty elements as start-end pairs, attributes sorted).
    /// </summary>
    internal static byte[] CanonicalSignedInfo(string signatureMethod, string digestBase64) => System.Text.Encoding.UTF8.GetBytes(
        "<SignedInfo xmlns=\"" + DsigNamespace + "\">"
        + "<CanonicalizationMethod Algorithm=\"" + SignedXml.XmlDsigExcC14NTransformUrl + "\"></CanonicalizationMethod>"
        + "<SignatureMethod Algorithm=\"" + signatureMethod + "\"></SignatureMethod>"
        + "<Reference URI=\"\"><Transforms>"
        + "<Transform Algorithm=\"" + SignedXml.XmlDsigEnvelopedSignatureTransformUrl + "\"></Transform>"
        + "<Transform Algorithm=\"" + SignedXml.XmlDsigExcC14NTransformUrl + "\"></Transform>"
        + "</Transforms><DigestMethod Algorithm=\"" + SignedXml.XmlDsigSHA256Url + "\"></DigestMethod>"
        + "<DigestValue>" + digestBase64 + "</DigestValue></Reference></SignedInfo>");

    /// <summary>Checks the single signature that must be the last child of <paramref name="expectedParent"/>.</summary>
    public static SignatureCheck Verify(XmlDocument document, XmlElement expectedParent, X509Certificate2 trusted)
    {
        var signatures = Internal.XmlWalk.Descendants(document, "Signature", DsigNamespace);
        if (signatures.Count == 0)
        {
            return new SignatureCheck(ExchangeErrors.VerifySignatureMissing, "The document carries no ds:Signature.");
        }
        if (signatures.Count > 1)
        {
            return Policy($"The document carries {signatures.Count} signatures; exactly one is allowed.");
        }
        var signature = signatures[0];
        if (signature.ParentNode != expectedParent || LastElementChild(expectedParent) != signature)
        {
            return Policy("The signature must be the last child of the signed document's business element.");
        }

        // Checked on the element itself first. (1) The enveloped transform removes the whole ds:Signature from what is
        // digested, so anything added inside it (a ds:Object holding a copy of the SED, foreign elements in KeyInfo) is
        // unsigned yet the signature still verifies: a wrapping vector for whoever reads the bytes after us
        // (HOSTILE-INPUTS S01). The profile only ever writes SignedInfo, SignatureValue and KeyInfo. (2) The reference must
        // be URI="" before anything is looked up (S06).
        if (ShapeProblem(signature) is { } shape)
        {
            return Policy(shape);
        }
        // The profile is fixed, so its few elements are read here directly: SignedXml.LoadXml builds every transform
        // through CryptoConfig and costs ~300 µs a signature, ten times the RSA verification (perf/README.md).
        if (SignedProfile.TryRead(signature, out var malformed) is not { } profile)
        {
            return Policy(malformed!);
        }
        var (key, problem) = SignatureAlgorithms.PublicKeyFor(trusted, profile.SignatureMethod);
        if (key is null)
        {
            return Policy(problem!);
        }
        // The digests are computed on this tree: the reference over the document minus this signature
        // (enveloped-signature, then exclusive C14N), and SignedInfo in exclusive C14N.
        bool valid;
        try
        {
            valid = CryptographicOperations.FixedTimeEquals(ExclusiveCanonicalizer.Sha256(document, signature), profile.DigestValue)
                && key switch
                {
                    RSA rsa => rsa.VerifyHash(ExclusiveCanonicalizer.Sha256(profile.SignedInfo), profile.SignatureValue, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                    ECDsa ec => ec.VerifyHash(ExclusiveCanonicalizer.Sha256(profile.SignedInfo), profile.SignatureValue, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                    _ => false,
                };
        }
        catch (CryptographicException)
        {
            valid = false;
        }
        return valid
            ? new SignatureCheck(null, "valid", SignatureAlgorithms.ShortName(profile.SignatureMethod))
            : new SignatureCheck(ExchangeErrors.VerifySignatureInvalid, "The signature does not verify with the certificate registered for the sender's access point.");
    }

    /// <summary>
    /// The key id (SHA-256 thumbprint) of the certificate the signature's KeyInfo names, if any: a hint to pick
    /// among the certificates registered for the sender, never a key to verify with.
    /// </summary>
    public static string? HintedKeyId(XmlElement signedParent)
    {
        var signature = LastElementChild(signedParent);
        if (signature is not { LocalName: "Signature", NamespaceURI: DsigNamespace })
        {
            return null;
        }
        var data = Internal.XmlWalk.Descendants(signature, "X509Certificate", DsigNamespace);
        if (data.Count != 1)
        {
            return null;
        }
        try
        {
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Convert.FromBase64String(data[0].InnerText)));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static SignatureCheck Policy(string detail) => new(ExchangeErrors.VerifyPolicyViolation, detail);

    /// <summary>Why the signature element is not shaped as the profile writes it, or null.</summary>
    private static string? ShapeProblem(XmlElement signature)
    {
        // SignedInfo, SignatureValue, then an optional KeyInfo: nothing else, in particular no ds:Object.
        string[] expected = ["SignedInfo", "SignatureValue", "KeyInfo"];
        var count = 0;
        for (var node = signature.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is not XmlElement child)
            {
                continue;
            }
            if (count == expected.Length || child.NamespaceURI != DsigNamespace || child.LocalName != expected[count])
            {
                return "The signature may hold only ds:SignedInfo, ds:SignatureValue and ds:KeyInfo, in that order (no ds:Object).";
            }
            count++;
        }
        if (count < 2)
        {
            return "The signature lacks ds:SignedInfo or ds:SignatureValue.";
        }
        for (var node = Internal.XmlWalk.Next(signature, signature); node is not null; node = Internal.XmlWalk.Next(node, signature))
        {
            if (node is XmlElement element && element.NamespaceURI is not (DsigNamespace or ExcC14NNamespace))
            {
                return "The signature may hold only XML-DSig elements.";
            }
        }
        var references = Internal.XmlWalk.Descendants(signature, "Reference", DsigNamespace);
        if (references.Count != 1 || references[0].ParentNode?.LocalName != "SignedInfo" || references[0].GetAttributeNode("URI") is not { Value.Length: 0 })
        {
            return "Exactly one reference is allowed, and it must cover the whole document (URI=\"\").";
        }
        return null;
    }

    private static XmlElement? LastElementChild(XmlElement parent)
    {
        for (var node = parent.LastChild; node is not null; node = node.PreviousSibling)
        {
            if (node is XmlElement element)
            {
                return element;
            }
        }
        return null;
    }
}
