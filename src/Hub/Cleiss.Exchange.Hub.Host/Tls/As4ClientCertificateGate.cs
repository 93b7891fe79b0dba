using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Tls;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>
/// The handshake check of the mutual-TLS listener (runs per connection, synchronously inside the TLS stack): a client
/// certificate is accepted only when its CN is an access point of the directory and the certificate is, byte for byte,
/// one registered in the trust store under that name, and valid today. The full certificate checks (chain or pinned
/// self-signed, revocation from CRLs) are async and run per message in <see cref="As4TlsBinding"/>; the operating
/// system's trust store is never consulted.
/// </summary>
public sealed class As4ClientCertificateGate(TrustStore trust, InstitutionDirectory directory, TimeProvider time, ILogger<As4ClientCertificateGate> logger)
{
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
        var now = time.GetUtcNow().UtcDateTime;
        return certificate.NotBefore.ToUniversalTime() <= now && now <= certificate.NotAfter.ToUniversalTime() ? null : "it is not valid today";
    }
}
