using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using Cleiss.Exchange.Hub.Trust;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>WsSecurityVerifier, keys: the certificate a signature names (override, BST/PKIPath, SKI, IssuerSerial).</summary>
public static partial class WsSecurityVerifier
{
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
            size = PublicKeys.Rsa(certificate)?.KeySize ?? 0;
        }
        else if (algorithm == "EC")
        {
            size = PublicKeys.Ecdsa(certificate)?.KeySize ?? 0;
        }
        else
        {
            size = 0;
        }
        return new As4VerificationKey(source, certificate.Subject, certificate.Thumbprint, algorithm, size) { Certificate = certificate };
    }
}
