using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using static Cleiss.Exchange.Adapters.As4.As4EnvelopeReader;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4;

/// <summary>Collects what the wsse:Security headers hold: tokens, signatures, encrypted keys and data.</summary>
internal sealed class SecurityBuilder
{
    private readonly List<XmlElement> _headers = [];
    private readonly List<XmlElement> _bodyEncryptedData = [];

    public void Add(XmlElement security) => _headers.Add(security);

    public void AddEncryptedData(XmlElement encryptedData) => _bodyEncryptedData.Add(encryptedData);

    public As4Security? Build()
    {
        if (_headers.Count == 0 && _bodyEncryptedData.Count == 0)
        {
            return null;
        }
        var tokens = new List<As4SecurityToken>();
        var hasTimestamp = false;
        foreach (var header in _headers)
        {
            foreach (var child in Elements(header))
            {
                if (child.LocalName == "BinarySecurityToken" && child.NamespaceURI == Wsse)
                {
                    tokens.Add(new As4SecurityToken(Attribute(child, Wsu, "Id"), ShortValueType(child.GetAttribute("ValueType")), Text(child).Length));
                }
                hasTimestamp |= child.LocalName == "Timestamp" && child.NamespaceURI == Wsu;
            }
        }
        var signatures = new List<As4Signature>();
        var keys = new List<As4EncryptedKey>();
        var data = new List<As4EncryptedData>();
        foreach (var header in _headers)
        {
            foreach (var child in Elements(header))
            {
                if (child.NamespaceURI == Dsig && child.LocalName == "Signature")
                {
                    signatures.Add(ReadSignature(child, tokens));
                }
                else if (child.NamespaceURI == Xenc && child.LocalName == "EncryptedKey")
                {
                    keys.Add(ReadEncryptedKey(child, tokens));
                }
                else if (child.NamespaceURI == Xenc && child.LocalName == "EncryptedData")
                {
                    data.Add(ReadEncryptedData(child));
                }
            }
        }
        foreach (var encrypted in _bodyEncryptedData)
        {
            data.Add(ReadEncryptedData(encrypted));
        }
        return new As4Security(_headers.Count, hasTimestamp, tokens, signatures, keys, data);
    }

    private static As4Signature ReadSignature(XmlElement signature, List<As4SecurityToken> tokens)
    {
        var signedInfo = DsChild(signature, "SignedInfo");
        var references = new List<As4Reference>();
        if (signedInfo is not null)
        {
            foreach (var child in Elements(signedInfo))
            {
                if (child.NamespaceURI == Dsig && child.LocalName == "Reference")
                {
                    references.Add(ReadReference(child));
                }
            }
        }
        return new As4Signature(
            signedInfo is null ? null : DsChild(signedInfo, "CanonicalizationMethod")?.GetAttribute("Algorithm"),
            signedInfo is null ? null : DsChild(signedInfo, "SignatureMethod")?.GetAttribute("Algorithm"),
            references,
            KeyReference(DsChild(signature, "KeyInfo"), tokens));
    }

    private static As4EncryptedKey ReadEncryptedKey(XmlElement key, List<As4SecurityToken> tokens)
    {
        var method = NsChild(key, Xenc, "EncryptionMethod");
        var references = new List<string>();
        if (NsChild(key, Xenc, "ReferenceList") is { } list)
        {
            foreach (var reference in Elements(list))
            {
                references.Add(reference.GetAttribute("URI"));
            }
        }
        return new As4EncryptedKey(
            method?.GetAttribute("Algorithm"),
            method is null ? null : DsChild(method, "DigestMethod")?.GetAttribute("Algorithm"),
            method is null ? null : NsChild(method, Xenc11, "MGF")?.GetAttribute("Algorithm"),
            KeyReference(DsChild(key, "KeyInfo"), tokens),
            references);
    }

    private static As4EncryptedData ReadEncryptedData(XmlElement data)
    {
        var cipher = NsChild(data, Xenc, "CipherData");
        var reference = cipher is null ? null : NsChild(cipher, Xenc, "CipherReference");
        return new As4EncryptedData(
            data.GetAttribute("Id") is { Length: > 0 } id ? id : Attribute(data, Wsu, "Id"),
            data.GetAttribute("Type") is { Length: > 0 } type ? type : null,
            data.GetAttribute("MimeType") is { Length: > 0 } mime ? mime : null,
            NsChild(data, Xenc, "EncryptionMethod")?.GetAttribute("Algorithm"),
            reference?.GetAttribute("URI"));
    }

    /// <summary>How a KeyInfo names its key (WS-Security X.509 token profile 1.1, section 3.3).</summary>
    private static As4KeyReference KeyReference(XmlElement? keyInfo, List<As4SecurityToken> tokens)
    {
        if (keyInfo is null)
        {
            return new As4KeyReference(As4KeyReferenceKind.None, null, null, null, null);
        }
        foreach (var child in Elements(keyInfo))
        {
            if (child.LocalName == "SecurityTokenReference" && child.NamespaceURI == Wsse)
            {
                foreach (var inner in Elements(child))
                {
                    if (inner.LocalName == "Reference" && inner.NamespaceURI == Wsse)
                    {
                        var uri = inner.GetAttribute("URI");
                        var id = uri.StartsWith('#') ? uri[1..] : uri;
                        var token = tokens.Find(t => t.Id == id);
                        return new As4KeyReference(As4KeyReferenceKind.BinarySecurityToken, uri, token?.ValueType ?? ShortValueType(inner.GetAttribute("ValueType")), null, token is not null);
                    }
                    if (inner.LocalName == "KeyIdentifier" && inner.NamespaceURI == Wsse)
                    {
                        var valueType = ShortValueType(inner.GetAttribute("ValueType"));
                        var kind = valueType == "X509SubjectKeyIdentifier" ? As4KeyReferenceKind.SubjectKeyIdentifier : As4KeyReferenceKind.KeyIdentifier;
                        return new As4KeyReference(kind, null, valueType, Text(inner), null);
                    }
                    if (inner.LocalName == "X509Data" && inner.NamespaceURI == Dsig)
                    {
                        return X509Data(inner);
                    }
                }
                return new As4KeyReference(As4KeyReferenceKind.Other, null, null, "wsse:SecurityTokenReference", null);
            }
            if (child.LocalName == "X509Data" && child.NamespaceURI == Dsig)
            {
                return X509Data(child);
            }
        }
        var first = Elements(keyInfo).FirstOrDefault();
        return new As4KeyReference(As4KeyReferenceKind.Other, null, null, first?.LocalName, null);
    }

    private static As4KeyReference X509Data(XmlElement data)
    {
        if (DsChild(data, "X509IssuerSerial") is { } issuerSerial)
        {
            var issuer = DsChild(issuerSerial, "X509IssuerName") is { } name ? Text(name) : "";
            var serial = DsChild(issuerSerial, "X509SerialNumber") is { } number ? Text(number) : "";
            return new As4KeyReference(As4KeyReferenceKind.IssuerSerial, null, null, $"{issuer}; serial {serial}", null);
        }
        if (DsChild(data, "X509SKI") is { } ski)
        {
            return new As4KeyReference(As4KeyReferenceKind.SubjectKeyIdentifier, null, "X509SKI", Text(ski), null);
        }
        if (DsChild(data, "X509Certificate") is not null)
        {
            return new As4KeyReference(As4KeyReferenceKind.X509Certificate, null, null, null, null);
        }
        return new As4KeyReference(As4KeyReferenceKind.Other, null, null, "ds:X509Data", null);
    }

    /// <summary>The fragment of a token-profile value type URI (X509v3, X509PKIPathv1, X509SubjectKeyIdentifier).</summary>
    private static string? ShortValueType(string valueType)
    {
        if (valueType.Length == 0)
        {
            return null;
        }
        var hash = valueType.LastIndexOf('#');
        return hash >= 0 ? valueType[(hash + 1)..] : valueType;
    }
}
