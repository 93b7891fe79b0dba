using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>
/// The primary handler of the <c>as4-partners</c> HttpClient (ADR 0011): one connection pool per partner access point,
/// found from the request's URL (its P-Mode). Each pool presents the hub's certificate (<see cref="As4TlsIdentity"/>)
/// and accepts a server certificate only when it is, byte for byte, one registered in the trust store for that access
/// point that passed the certificate checks; the operating system's trust store and host-name matching play no part.
/// Why one pool per access point rather than one handler: the TLS callback of a <see cref="SocketsHttpHandler"/> is
/// not told which request opened the connection, and pools are shared by scheme, host and port, so a connection
/// checked for one access point must never carry another's messages. The certificate checks are async (CRLs) while
/// the TLS callback is not: they run here before each request and leave the accepted certificates on the pool.
/// </summary>
public sealed class As4PartnerTlsHandler(
    IOptionsMonitor<As4Options> pmodes, TrustStore trust, CertificateValidator certificates, As4TlsIdentity identity, ILogger logger) : HttpMessageHandler
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("A request to a partner needs a URL.");
        var accessPointId = As4PartnerTls.PModeFor(pmodes.CurrentValue, uri)?.AccessPointId;
        var pool = PoolFor(accessPointId ?? string.Empty);
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            var accepted = new List<X509Certificate2>();
            if (accessPointId is not null)
            {
                foreach (var certificate in trust.FindAll(accessPointId))
                {
                    if ((await certificates.CheckNowAsync(certificate, cancellationToken)).IsValid)
                    {
                        accepted.Add(certificate);
                    }
                }
            }
            pool.Accepted = accepted;
        }
        return await pool.Invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                foreach (var pool in _pools.Values)
                {
                    pool.Invoker.Dispose();
                }
                _pools.Clear();
            }
        }
        base.Dispose(disposing);
    }

    private Pool PoolFor(string accessPointId)
    {
        lock (_gate)
        {
            if (!_pools.TryGetValue(accessPointId, out var pool))
            {
                pool = new Pool(accessPointId, identity, logger);
                _pools[accessPointId] = pool;
            }
            return pool;
        }
    }

    /// <summary>The connections to one access point (the empty id: URLs without a P-Mode, never accepted over https).</summary>
    private sealed class Pool
    {
        private readonly string _accessPointId;
        private readonly ILogger _logger;

        public Pool(string accessPointId, As4TlsIdentity identity, ILogger logger)
        {
            _accessPointId = accessPointId;
            _logger = logger;
            Invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                // Bounds how long an open connection outlives a certificate change or revocation.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = new SslClientAuthenticationOptions
                {
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Certificate,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // the certificate checks read CRLs themselves
                    CertificateChainPolicy = As4PartnerTls.NoOperatingSystemTrust(),
                    RemoteCertificateValidationCallback = (sender, certificate, _, _) => Accepts((sender as SslStream)?.TargetHostName, certificate),
                },
            }, disposeHandler: true);
        }

        public HttpMessageInvoker Invoker { get; }

        /// <summary>The registered certificates of the access point that passed the checks before the latest request.</summary>
        public volatile IReadOnlyList<X509Certificate2> Accepted = [];

        private bool Accepts(string? host, X509Certificate? certificate)
        {
            if (certificate is null)
            {
                return false;
            }
            var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (As4PartnerTls.IsOneOf(Accepted, presented))
            {
                return true;
            }
            As4TlsLog.ServerCertificateRefused(_logger, SigningKeyStore.KeyId(presented), host ?? "?", _accessPointId.Length > 0 ? _accessPointId : "no P-Mode");
            return false;
        }
    }
}
