using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>A signing certificate with its private key (RSA ≥ 2048 or ECDSA P-256), and the id the audit trail records.</summary>
public sealed class SigningCredentials
{
    public SigningCredentials(X509Certificate2 certificate, string keyId)
    {
        Certificate = certificate;
        KeyId = keyId;
        var (key, method, problem) = SignatureAlgorithms.PrivateKeyOf(certificate);
        PrivateKey = key ?? throw new InvalidOperationException(problem);
        SignatureMethod = method!;
    }

    /// <summary>The certificate, with private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 thumbprint of the certificate, lowercase hex.</summary>
    public string KeyId { get; }

    /// <summary>The private key, opened once.</summary>
    public AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>The XML-DSig signature method this key signs with.</summary>
    public string SignatureMethod { get; }

    /// <summary>The short algorithm name recorded in audit events (<c>rsa-sha256</c>, <c>ecdsa-p256-sha256</c>).</summary>
    public string AlgorithmName => SignatureAlgorithms.ShortName(SignatureMethod);
}
