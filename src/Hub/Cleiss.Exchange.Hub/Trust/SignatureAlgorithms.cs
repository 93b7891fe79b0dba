using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// The business-signature profile's algorithms: RSA-SHA256 (default, RSA ≥ 2048 bits) and
/// ECDSA-P256-SHA256. Anything else (SHA-1, MD5, HMAC, DSA, smaller keys, other curves) is outside
/// the profile and refused before any cryptography runs.
/// </summary>
public static class SignatureAlgorithms
{
    /// <summary>http://www.w3.org/2001/04/xmldsig-more#rsa-sha256.</summary>
    public const string RsaSha256 = SignedXml.XmlDsigRSASHA256Url;

    /// <summary>http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256 (RFC 4051), P-256 only.</summary>
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

    /// <summary>The smallest RSA key accepted.</summary>
    public const int MinimumRsaBits = 2048;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The short name recorded in audit events.</summary>
    public static string ShortName(string signatureMethod) => signatureMethod switch
    {
        RsaSha256 => "rsa-sha256",
        EcdsaSha256 => "ecdsa-p256-sha256",
        _ => "unsupported",
    };

    /// <summary>The private key of a signing certificate and its signature method, or why it cannot sign in this profile.</summary>
    public static (AsymmetricAlgorithm? Key, string? Method, string? Problem) PrivateKeyOf(X509Certificate2 certificate)
    {
        if (certificate.GetRSAPrivateKey() is { } rsa)
        {
            return rsa.KeySize >= MinimumRsaBits ? (rsa, RsaSha256, null) : (null, null, $"RSA keys must have at least {MinimumRsaBits} bits.");
        }
        if (certificate.GetECDsaPrivateKey() is { } ec)
        {
            return IsP256(ec) ? (ec, EcdsaSha256, null) : (null, null, "ECDSA keys must be on curve P-256.");
        }
        return (null, null, "The certificate has no RSA or ECDSA private key.");
    }

    /// <summary>
    /// The public key of a trusted certificate for a signature method, or why the pair is refused: the
    /// method must be in the profile and match the certificate's key type and size. The key is shared
    /// (<see cref="PublicKeys"/>): do not dispose it.
    /// </summary>
    public static (AsymmetricAlgorithm? Key, string? Problem) PublicKeyFor(X509Certificate2 certificate, string? signatureMethod)
    {
        switch (signatureMethod)
        {
            case RsaSha256:
                var rsa = PublicKeys.Rsa(certificate);
                if (rsa is null)
                {
                    return (null, "The signature says RSA-SHA256 but the registered certificate has no RSA key.");
                }
                if (rsa.KeySize < MinimumRsaBits)
                {
                    return (null, $"The registered RSA key has {rsa.KeySize} bits; at least {MinimumRsaBits} are required.");
                }
                return (rsa, null);
            case EcdsaSha256:
                var ec = PublicKeys.Ecdsa(certificate);
                if (ec is null)
                {
                    return (null, "The signature says ECDSA-SHA256 but the registered certificate has no ECDSA key.");
                }
                if (!IsP256(ec))
                {
                    return (null, "Only ECDSA keys on curve P-256 are accepted.");
                }
                return (ec, null);
            default:
                return (null, "Only RSA-SHA256 and ECDSA-P256-SHA256 are accepted as signature methods.");
        }
    }

    private static bool IsP256(ECDsa key) => key.ExportParameters(false).Curve.Oid?.Value == P256Oid;
}
