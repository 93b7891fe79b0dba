using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>An attachment to sign: its Content-ID (without brackets), the bytes sent in its MIME part, and its MIME type (text/* is signed in canonical CRLF form).</summary>
public sealed record SignedAttachment(string ContentId, ReadOnlyMemory<byte> Content, string? MimeType = null);

/// <summary>
/// Adds the WS-Security header to an AS4 envelope (runs per message): a wsse:BinarySecurityToken with the
/// signing certificate, a wsu:Timestamp (Created, Expires = Created + 5 min) and a ds:Signature over the
/// timestamp, eb:Messaging, the Body and the multi-hop headers (by wsu:Id, exclusive C14N) and every
/// attachment (<c>cid:</c>, Attachment-Content-Signature-Transform: SHA-256 of the part's content as sent, text/* with CRLF line ends),
/// rsa-sha256 or ecdsa-sha256 with SHA-256 digests, the key named by a SecurityTokenReference to the token.
/// The digests use the hub's exclusive C14N (Trust/ExclusiveCanonicalizer); SignedInfo is written in its
/// canonical form, so what is signed is exactly what a verifier canonicalises.
/// </summary>
public static class WsSecuritySigner
{
    public const string AttachmentContentTransform = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform";
    public const string ExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string X509v3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
    public const string Base64Binary = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
    public const string TokenId = "_bst";
    public const string TimestampId = "_ts";

    /// <summary>How long a message's wsu:Timestamp says it is fresh.</summary>
    public static readonly TimeSpan TimestampLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The signed envelope (UTF-8 text) and the references it signed, for the receipt check.</summary>
    public sealed record Result(string Envelope, IReadOnlyList<Model.As4Reference> References);

    /// <summary>Signs <paramref name="envelope"/> (as written by <see cref="As4MessageBuilder"/> or <see cref="As4SignalBuilder"/>).</summary>
    public static Result Sign(string envelope, IReadOnlyList<SignedAttachment> attachments, SigningCredentials credentials, DateTimeOffset? created = null)
    {
        var document = HardenedXml.TryLoad(Encoding.UTF8.GetBytes(envelope), new IntakeOptions(), "as4-sign", out var error)
            ?? throw new InvalidOperationException($"The envelope to sign does not parse: {error!.Detail}");
        var root = document.DocumentElement!;
        var soap = root.NamespaceURI;
        var header = Child(root, "Header", soap) ?? throw new InvalidOperationException("The envelope has no Header.");

        var security = document.CreateElement("wsse", "Security", As4Namespaces.Wsse);
        security.SetAttribute("mustUnderstand", soap, root.NamespaceURI == As4Namespaces.Soap12 ? "true" : "1");
        // wsu:Timestamp (S21): signed, so a replay outside its window is refused by the receiver.
        var at = (created ?? DateTimeOffset.UtcNow).UtcDateTime;
        var timestamp = document.CreateElement("wsu", "Timestamp", As4Namespaces.Wsu);
        WsuId(timestamp, TimestampId); // an explicit wsu: prefix, as a parser would give it (the digest is taken from this tree)
        timestamp.AppendChild(document.CreateElement("wsu", "Created", As4Namespaces.Wsu))!.InnerText = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        timestamp.AppendChild(document.CreateElement("wsu", "Expires", As4Namespaces.Wsu))!.InnerText = (at + TimestampLifetime).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        security.AppendChild(timestamp);
        header.PrependChild(security);

        var references = new List<Model.As4Reference>
        {
            new("#" + TimestampId, [ExcC14N], Sha256, Convert.ToBase64String(ExclusiveCanonicalizer.Sha256(timestamp))),
        };
        foreach (var (localName, ns) in new[] { ("Messaging", As4Namespaces.Ebms), ("Body", soap) })
        {
            var element = localName == "Body" ? Child(root, "Body", soap) : Child(header, localName, ns);
            var id = element?.GetAttribute("Id", As4Namespaces.Wsu);
            if (string.IsNullOrEmpty(id))
            {
                throw new InvalidOperationException($"The {localName} element has no wsu:Id to sign.");
            }
            references.Add(new Model.As4Reference("#" + id, [ExcC14N], Sha256, Convert.ToBase64String(ExclusiveCanonicalizer.Sha256(element!))));
        }
        // Multi-hop headers (wsa:To, wsa:Action, ebint:RoutingInput), when the builder gave them a wsu:Id.
        foreach (var (localName, ns) in new[] { ("To", As4Namespaces.Wsa), ("Action", As4Namespaces.Wsa), ("RoutingInput", As4Namespaces.MultiHop) })
        {
            if (Child(header, localName, ns) is { } hop && hop.GetAttribute("Id", As4Namespaces.Wsu) is { Length: > 0 } hopId)
            {
                references.Add(new Model.As4Reference("#" + hopId, [ExcC14N], Sha256, Convert.ToBase64String(ExclusiveCanonicalizer.Sha256(hop))));
            }
        }
        foreach (var attachment in attachments)
        {
            references.Add(new Model.As4Reference("cid:" + attachment.ContentId, [AttachmentContentTransform], Sha256, Convert.ToBase64String(SHA256.HashData(Security.AttachmentContent.Canonical(attachment.MimeType, attachment.Content).Span))));
        }

        var signedInfo = CanonicalSignedInfo(credentials.SignatureMethod, references);
        var value = credentials.PrivateKey switch
        {
            RSA rsa => rsa.SignData(signedInfo, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => ec.SignData(signedInfo, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            _ => throw new InvalidOperationException("The signing key is neither RSA nor ECDSA."),
        };

        var token = document.CreateElement("wsse", "BinarySecurityToken", As4Namespaces.Wsse);
        token.SetAttribute("EncodingType", Base64Binary);
        token.SetAttribute("ValueType", X509v3);
        WsuId(token, TokenId);
        token.InnerText = Convert.ToBase64String(credentials.Certificate.RawData);
        security.InsertBefore(token, timestamp);

        // The signature element from canonical text: SignedInfo parsed from exactly the bytes that were signed.
        var signatureXml = new StringBuilder()
            .Append("<ds:Signature xmlns:ds=\"").Append(As4Namespaces.Dsig).Append("\">")
            .Append(Encoding.UTF8.GetString(signedInfo))
            .Append("<ds:SignatureValue>").Append(Convert.ToBase64String(value)).Append("</ds:SignatureValue>")
            .Append("<ds:KeyInfo><wsse:SecurityTokenReference xmlns:wsse=\"").Append(As4Namespaces.Wsse).Append("\">")
            .Append("<wsse:Reference URI=\"#").Append(TokenId).Append("\" ValueType=\"").Append(X509v3).Append("\"></wsse:Reference>")
            .Append("</wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>")
            .ToString();
        var fragment = HardenedXml.TryLoad(Encoding.UTF8.GetBytes(signatureXml), new IntakeOptions(), "as4-sign", out _)!;
        security.AppendChild(document.ImportNode(fragment.DocumentElement!, deep: true));
        return new Result(document.DocumentElement!.OuterXml, references);
    }

    /// <summary>SignedInfo in exclusive canonical form (ds prefix, declared on SignedInfo; values escaped).</summary>
    internal static byte[] CanonicalSignedInfo(string signatureMethod, IReadOnlyList<Model.As4Reference> references)
    {
        var text = new StringBuilder()
            .Append("<ds:SignedInfo xmlns:ds=\"").Append(As4Namespaces.Dsig).Append("\">")
            .Append("<ds:CanonicalizationMethod Algorithm=\"").Append(ExcC14N).Append("\"></ds:CanonicalizationMethod>")
            .Append("<ds:SignatureMethod Algorithm=\"").Append(signatureMethod).Append("\"></ds:SignatureMethod>");
        foreach (var reference in references)
        {
            text.Append("<ds:Reference URI=\"").Append(Escape(reference.Uri!)).Append("\"><ds:Transforms>");
            foreach (var transform in reference.Transforms)
            {
                text.Append("<ds:Transform Algorithm=\"").Append(transform).Append("\"></ds:Transform>");
            }
            text.Append("</ds:Transforms><ds:DigestMethod Algorithm=\"").Append(reference.DigestMethod).Append("\"></ds:DigestMethod>")
                .Append("<ds:DigestValue>").Append(reference.DigestValue).Append("</ds:DigestValue></ds:Reference>");
        }
        return Encoding.UTF8.GetBytes(text.Append("</ds:SignedInfo>").ToString());
    }

    /// <summary>Attribute-value escaping of exclusive C14N.</summary>
    private static string Escape(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("\t", "&#x9;", StringComparison.Ordinal).Replace("\n", "&#xA;", StringComparison.Ordinal).Replace("\r", "&#xD;", StringComparison.Ordinal);

    private static XmlElement? Child(XmlNode parent, string localName, string ns) => XmlWalk.Child(parent, localName, ns);

    private static void WsuId(XmlElement element, string id)
    {
        var attribute = element.OwnerDocument.CreateAttribute("wsu", "Id", As4Namespaces.Wsu);
        attribute.Value = id;
        element.Attributes.Append(attribute);
    }
}
