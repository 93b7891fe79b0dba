using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Tls;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>
/// The handshake check of the mutual-TLS listener (runs per connection, synchronously inside the TLS stack): a client
/// certificate is accepted only when its CN is an access point of the directory and the certificate is, byte for byte,
/// one registered in the trust store under that name, and valid today. The full certificate checks (chain or pinned
/// self-signed, revocation from CRLs) are async and run per message in <see cref="As4TlsBinding"/>; a certificate they
/// refused is then refused at the handshake too, for <see cref="RememberFailure"/>. The operating system's trust store
/// is never consulted.
/// </summary>
public sealed class As4ClientCertificateGate(TrustStore trust, InstitutionDirectory directory, TimeProvider time, ILogger<As4ClientCertificateGate> logger)
{
    /// <summary>How long a client certificate refused by the certificate checks is also refused at the handshake.</summary>
    public static readonly TimeSpan RememberFailure = TimeSpan.FromMinutes(10);

    // Keyed by key id; only registered certificates reach the checks, so this is bounded by the trust store.
    private readonly ConcurrentDictionary<string, (string Code, DateTimeOffset Until)> _failed = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="certificate"/> may open a connection; logs the refusal otherwise.</summary>
    public bool Accepts(X509Certificate? certificate, string remote)
    {
        if (certificate is null)
        {
            As4TlsLog.ClientCertificateRefused(logger, "none", "none", remote, "no client certificate");
            return false;
        }
        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var problem = Problem(presented);
        if (problem is not null)
        {
            As4TlsLog.ClientCertificateRefused(logger, SigningKeyStore.KeyId(presented), presented.GetNameInfo(X509NameType.SimpleName, false), remote, problem);
        }
        return problem is null;
    }

    /// <summary>Why <paramref name="certificate"/> cannot open a connection, or null.</summary>
    public string? Problem(X509Certificate2 certificate)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        // The directory first: an unknown name never makes the trust store read its folder again.
        if (string.IsNullOrEmpty(name) || directory.FindAccessPoint(name) is null)
        {
            return "its CN is not an access point of the directory";
        }
        if (!As4PartnerTls.IsOneOf(trust.FindAll(name), certificate))
        {
            return "it is not registered in the trust store";
        }
        var now = time.GetUtcNow();
        if (_failed.TryGetValue(SigningKeyStore.KeyId(certificate), out var failed) && failed.Until > now)
        {
            return $"it failed the certificate checks ({failed.Code}); refused until {failed.Until:u}";
        }
        return certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= certificate.NotAfter.ToUniversalTime() ? null : "it is not valid today";
    }

    /// <summary>Records the verdict of the certificate checks on a registered client certificate (see <see cref="RememberFailure"/>).</summary>
    public void Remember(X509Certificate2 certificate, CertificateCheck check)
    {
        var keyId = SigningKeyStore.KeyId(certificate);
        if (check.IsValid)
        {
            _failed.TryRemove(keyId, out _);
        }
        else
        {
            _failed[keyId] = (check.Code!, time.GetUtcNow() + RememberFailure);
        }
    }
}
