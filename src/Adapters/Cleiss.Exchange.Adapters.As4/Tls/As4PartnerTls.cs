using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Sending;

namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>Shared pieces of mutual TLS between access points (ADR 0011).</summary>
public static class As4PartnerTls
{
    /// <summary>The P-Mode whose URL is <paramref name="uri"/> (the transport posts to the P-Mode's URL as configured), or null.</summary>
    public static As4PMode? PModeFor(As4Options options, Uri uri) =>
        options.PModes.Find(p => Uri.TryCreate(p.Url, UriKind.Absolute, out var url)
            && Uri.Compare(url, uri, UriComponents.HttpRequestUrl, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0);

    /// <summary>
    /// A chain policy that neither trusts the operating system's roots nor downloads anything: the chain the TLS
    /// stack builds is not what decides; the trust store registration and <c>CertificateValidator</c> do.
    /// </summary>
    public static X509ChainPolicy NoOperatingSystemTrust() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        DisableCertificateDownloads = true,
        RevocationMode = X509RevocationMode.NoCheck,
    };

    /// <summary>True when <paramref name="certificate"/> is one of <paramref name="registered"/>, byte for byte.</summary>
    public static bool IsOneOf(IReadOnlyList<X509Certificate2> registered, X509Certificate2 certificate)
    {
        foreach (var candidate in registered)
        {
            if (candidate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return true;
            }
        }
        return false;
    }
}
