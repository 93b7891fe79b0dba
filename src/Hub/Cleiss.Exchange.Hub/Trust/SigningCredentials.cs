using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>A signing certificate with its private key, and the id the audit trail records.</summary>
public sealed class SigningCredentials
{
    public SigningCredentials(X509Certificate2 certificate, string keyId)
    {
        Certificate = certificate;
        KeyId = keyId;
        PrivateKey = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("The signing certificate has no RSA private key.");
    }

    /// <summary>The certificate, with private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 thumbprint of the certificate, lowercase hex.</summary>
    public string KeyId { get; }

    /// <summary>The private key, opened once.</summary>
    public RSA PrivateKey { get; }
}
