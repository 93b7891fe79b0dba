using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// The public keys of certificates, decoded once per certificate (by its SHA-256 thumbprint) and shared: OpenSSL 3
/// decodes a certificate's key in about 110 µs, five times the cost of verifying an RSA-2048 signature with it, and
/// every receipt and every AS4 message is verified with a key from a small set of partner certificates.
/// </summary>
/// <remarks>
/// The keys returned are shared between threads and must not be disposed. Verifying with a shared OpenSSL key is safe:
/// each operation makes its own context. At most <see cref="Capacity"/> certificates are kept; past that the cache
/// starts again (the old keys are released by their finalizers once no caller holds them).
/// </remarks>
public static class PublicKeys
{
    /// <summary>How many certificates' keys are kept at most.</summary>
    public const int Capacity = 1024;

    private static ConcurrentDictionary<string, (RSA? Rsa, ECDsa? Ec)> _keys = new(StringComparer.Ordinal);

    /// <summary>The certificate's RSA public key, or null when it has none. Shared: do not dispose.</summary>
    public static RSA? Rsa(X509Certificate2 certificate) => Of(certificate).Rsa;

    /// <summary>The certificate's ECDSA public key, or null when it has none. Shared: do not dispose.</summary>
    public static ECDsa? Ecdsa(X509Certificate2 certificate) => Of(certificate).Ec;

    private static (RSA? Rsa, ECDsa? Ec) Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var keys = Volatile.Read(ref _keys);
        if (keys.TryGetValue(thumbprint, out var found))
        {
            return found;
        }
        var rsa = certificate.GetRSAPublicKey();
        var decoded = (rsa, rsa is null ? certificate.GetECDsaPublicKey() : null);
        if (keys.Count >= Capacity)
        {
            Volatile.Write(ref _keys, new ConcurrentDictionary<string, (RSA? Rsa, ECDsa? Ec)>(StringComparer.Ordinal));
            keys = Volatile.Read(ref _keys);
        }
        return keys.GetOrAdd(thumbprint, decoded);
    }
}
