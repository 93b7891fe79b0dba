using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>
/// A signed statement of the audit Merkle tree: its size, its root (hex), when, and the key that signed it, with
/// that key's certificate (PEM) so a third party can check it. The signed bytes are <see cref="Statement"/>.
/// </summary>
public sealed record AuditCheckpoint(long TreeSize, string Root, string At, string KeyId, string Algorithm, string Signature, string Certificate)
{
    public const string Format = "cleiss-audit-checkpoint/v1";

    /// <summary>The exact bytes signed: format, size, root, time and key id, one per line.</summary>
    public static byte[] Statement(long treeSize, string root, string at, string keyId) =>
        Encoding.UTF8.GetBytes($"{Format}\n{treeSize.ToString(CultureInfo.InvariantCulture)}\n{root}\n{at}\n{keyId}\n");

    /// <summary>Signs the tree of <paramref name="treeSize"/> leaves with root <paramref name="root"/> (RSA PKCS#1 or ECDSA, SHA-256).</summary>
    public static AuditCheckpoint Sign(long treeSize, byte[] root, DateTimeOffset at, SigningCredentials key)
    {
        var rootHex = Convert.ToHexStringLower(root);
        var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var statement = Statement(treeSize, rootHex, time, key.KeyId);
        var signature = key.PrivateKey switch
        {
            RSA rsa => rsa.SignData(statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => ec.SignData(statement, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            _ => throw new InvalidOperationException("The signing key is neither RSA nor ECDSA."),
        };
        return new AuditCheckpoint(treeSize, rootHex, time, key.KeyId, key.AlgorithmName, Convert.ToBase64String(signature), key.Certificate.ExportCertificatePem());
    }

    /// <summary>
    /// Null when the signature verifies with the embedded certificate and that certificate is the key named
    /// (whether the key is trusted is the caller's decision); otherwise why not.
    /// </summary>
    public string? SignatureProblem()
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(Certificate);
            if (!string.Equals(SigningKeyStore.KeyId(certificate), KeyId, StringComparison.Ordinal))
            {
                return "the embedded certificate is not the key named";
            }
            var statement = Statement(TreeSize, Root, At, KeyId);
            var signature = Convert.FromBase64String(Signature);
            using var rsa = certificate.GetRSAPublicKey();
            using var ec = certificate.GetECDsaPublicKey();
            var valid = rsa?.VerifyData(statement, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ?? ec?.VerifyData(statement, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                ?? false;
            return valid ? null : "the signature does not verify";
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return $"unreadable certificate or signature ({ex.GetType().Name})";
        }
    }
}
