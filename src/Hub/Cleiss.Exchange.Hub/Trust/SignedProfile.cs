using System.Security.Cryptography.Xml;
using System.Xml;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// The parts of a business signature, read strictly in the profile's one shape (what <see cref="BusinessSignature"/>
/// writes): SignedInfo = exclusive C14N, RSA-SHA256 or ECDSA-P256-SHA256, one reference whose transforms are the
/// enveloped signature then exclusive C14N (an <c>ec:InclusiveNamespaces</c> list allowed, as Santuario-based signers
/// write it) and whose digest is SHA-256. Anything else is a policy violation, found before any cryptography runs.
/// </summary>
/// <remarks>
/// Runs once per signature checked (hot path: every receipt, every inbound document). It reads the few elements of the
/// fixed profile in place instead of <c>SignedXml.LoadXml</c>, which builds every transform through CryptoConfig.
/// </remarks>
/// <param name="SignedInfo">The ds:SignedInfo element, canonicalised for the signature value.</param>
/// <param name="SignatureMethod">The signature method's URI (one of the profile's two).</param>
/// <param name="DigestValue">The reference's digest, as written (the caller compares it with the document's).</param>
/// <param name="SignatureValue">The signature value over the canonical SignedInfo.</param>
internal sealed record SignedProfile(XmlElement SignedInfo, string SignatureMethod, byte[] DigestValue, byte[] SignatureValue)
{
    private const string Ds = SignedXml.XmlDsigNamespaceUrl;
    private const string ExcC14N = SignedXml.XmlDsigExcC14NTransformUrl;
    private const string Malformed = "The signature element is malformed.";

    /// <summary>
    /// Reads <paramref name="signature"/>, whose children were already checked to be SignedInfo, SignatureValue and an
    /// optional KeyInfo, with one Reference (URI="") in SignedInfo; null with the reason when it is outside the profile.
    /// </summary>
    public static SignedProfile? TryRead(XmlElement signature, out string? problem)
    {
        var parts = Children(signature);
        var info = parts[0];
        var signedInfo = Children(info);
        if (signedInfo.Count != 3 || !Is(signedInfo[0], "CanonicalizationMethod") || !Is(signedInfo[1], "SignatureMethod") || !Is(signedInfo[2], "Reference"))
        {
            return Fail(Malformed, out problem);
        }
        if (Algorithm(signedInfo[0]) != ExcC14N || !OnlyPrefixList(signedInfo[0]))
        {
            return Fail("Only exclusive C14N without comments is accepted as canonicalization.", out problem);
        }
        var method = Algorithm(signedInfo[1]);
        if (method is not (SignatureAlgorithms.RsaSha256 or SignatureAlgorithms.EcdsaSha256) || HasChildElement(signedInfo[1]))
        {
            return Fail("Only RSA-SHA256 and ECDSA-P256-SHA256 are accepted as signature methods.", out problem);
        }
        var reference = Children(signedInfo[2]);
        if (reference.Count != 3 || !Is(reference[0], "Transforms") || !Is(reference[1], "DigestMethod") || !Is(reference[2], "DigestValue"))
        {
            return Fail(Malformed, out problem);
        }
        var transforms = Children(reference[0]);
        if (transforms.Count != 2 || !Is(transforms[0], "Transform") || !Is(transforms[1], "Transform")
            || Algorithm(transforms[0]) != SignedXml.XmlDsigEnvelopedSignatureTransformUrl || HasChildElement(transforms[0])
            || Algorithm(transforms[1]) != ExcC14N || !OnlyPrefixList(transforms[1]))
        {
            return Fail("Only the enveloped-signature and exclusive C14N transforms are accepted, in that order.", out problem);
        }
        if (Algorithm(reference[1]) != SignedXml.XmlDsigSHA256Url || HasChildElement(reference[1]))
        {
            return Fail("Only SHA-256 digests are accepted.", out problem);
        }
        if (Base64(reference[2]) is not { } digest || Base64(parts[1]) is not { } value)
        {
            return Fail(Malformed, out problem);
        }
        problem = null;
        return new SignedProfile(info, method, digest, value);
    }

    private static SignedProfile? Fail(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }

    private static List<XmlElement> Children(XmlElement parent)
    {
        var children = new List<XmlElement>(4);
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element)
            {
                children.Add(element);
            }
        }
        return children;
    }

    private static bool HasChildElement(XmlElement parent)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement)
            {
                return true;
            }
        }
        return false;
    }

    private static bool Is(XmlElement element, string localName) => element.LocalName == localName && element.NamespaceURI == Ds;

    private static string? Algorithm(XmlElement element) => element.GetAttributeNode("Algorithm")?.Value;

    /// <summary>An exclusive C14N method or transform holds nothing but an optional ec:InclusiveNamespaces prefix list.</summary>
    private static bool OnlyPrefixList(XmlElement element) => Children(element) switch
    {
        [] => true,
        [{ LocalName: "InclusiveNamespaces", NamespaceURI: ExcC14N } list] => !HasChildElement(list),
        _ => false,
    };

    /// <summary>The base64 content of a leaf element (line breaks allowed), or null.</summary>
    private static byte[]? Base64(XmlElement element)
    {
        if (HasChildElement(element))
        {
            return null;
        }
        try
        {
            return Convert.FromBase64String(element.InnerText);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
