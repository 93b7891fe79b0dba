using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>The result of checking a partner certificate.</summary>
/// <param name="Code">Null when acceptable, else the VERIFY.* error code.</param>
/// <param name="Detail">Why it was refused, or how it was accepted.</param>
/// <param name="Revocation">The revocation status as audited: <c>good</c>, <c>soft-fail: …</c>, or why it does not apply.</param>
public sealed record CertificateCheck(string? Code, string Detail, string Revocation)
{
    public bool IsValid => Code is null;
}

/// <summary>
/// Checks a partner certificate on every verification (runs per message): validity between the
/// document's time and its receipt, key usage digitalSignature, not a CA, a chain to a configured anchor (or, if allowed, a pinned
/// self-signed certificate), and revocation from CRLs — files, configured URLs and the certificates'
/// distribution points — each CRL checked against its issuer's key and its nextUpdate. When no current
/// CRL covers a certificate, the configured policy decides: hard-fail refuses, soft-fail accepts and
/// the audit event says so.
/// </summary>
public sealed class CertificateValidator : IDisposable
{
    private static readonly TimeSpan UndatedCrlLifetime = TimeSpan.FromHours(1);

    /// <summary>How many certificates' public keys and self-signature verdicts are kept (trust-store sized).</summary>
    private const int MaxCachedCertificates = 1024;

    private readonly TrustOptions _options;
    private readonly string _anchors;
    private readonly string _intermediates;
    private readonly string _crls;
    private readonly TimeProvider _time;
    private readonly ILogger<CertificateValidator> _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, CachedCrl> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Stamp, List<X509Certificate2> Certificates)> _folders = new(StringComparer.Ordinal);

    // Per certificate content (SHA-256 of the DER): its BouncyCastle public key and whether it verifies its own
    // signature. Building a BouncyCastle RSA public key validates the modulus and took 25–60 ms per call on the
    // benchmark machine; the self-signed check ran three times per AS4 message (issue 5, perf/README.md "AS4
    // between two hubs"). The verdict for given bytes never changes, so it is kept.
    private readonly ConcurrentDictionary<string, AsymmetricKeyParameter> _publicKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _selfSigned = new(StringComparer.Ordinal);

    public CertificateValidator(IOptions<HubOptions> hub, IOptions<TrustOptions> options, TimeProvider time, ILogger<CertificateValidator> logger)
    {
        _options = options.Value;
        var trust = TrustStore.Folder(hub.Value.DataDirectory);
        _anchors = _options.AnchorsDirectory ?? Path.Combine(trust, "anchors");
        _intermediates = _options.IntermediatesDirectory ?? Path.Combine(trust, "intermediates");
        _crls = _options.CrlDirectory ?? Path.Combine(trust, "crls");
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = _options.CrlFetchTimeout };
    }

    /// <summary>
    /// Checks <paramref name="certificate"/> for a document created at <paramref name="documentTime"/> and received now.
    /// The signature was made somewhere between the two (a document is signed when it is sent, which can be after it
    /// was created), so the certificate must have been valid at some moment of that window: not expired before the
    /// document's time, already valid when it arrives. The chain is checked at such a moment.
    /// </summary>
    public async ValueTask<CertificateCheck> CheckAsync(X509Certificate2 certificate, DateTimeOffset documentTime, CancellationToken cancellationToken)
    {
        var receivedAt = _time.GetUtcNow().UtcDateTime;
        var notBefore = certificate.NotBefore.ToUniversalTime();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        if (notAfter < documentTime.UtcDateTime || notBefore > receivedAt)
        {
            return Refuse(ExchangeErrors.VerifyCertificateNotValid,
                $"The certificate (valid {notBefore:u} to {notAfter:u}) was not valid between the document's time {documentTime.UtcDateTime:u} and its receipt {receivedAt:u}.");
        }
        var checkedAt = receivedAt <= notAfter ? receivedAt : notAfter.AddSeconds(-1);
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return Refuse(ExchangeErrors.VerifyCertificateUsage, "The certificate is a CA certificate; a signing certificate must not be.");
        }
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is not { } usage
            || !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return Refuse(ExchangeErrors.VerifyCertificateUsage, "The certificate's key usage does not include digitalSignature.");
        }
        if (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && VerifiesItself(certificate))
        {
            return _options.AllowPinnedSelfSigned
                ? new CertificateCheck(null, "pinned self-signed certificate", "not applicable (pinned self-signed certificate, no issuer)")
                : Refuse(ExchangeErrors.VerifyCertificateUntrusted, "Self-signed partner certificates are not accepted (Hub:Trust:AllowPinnedSelfSigned is false).");
        }

        var anchors = Certificates(_anchors);
        if (anchors.Count == 0)
        {
            return Refuse(ExchangeErrors.VerifyCertificateUntrusted, $"The certificate is issued by a CA but no trust anchor is configured ({_anchors}).");
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(Certificates(_intermediates).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // CRLs are checked below, with the configured policy
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = checkedAt;
        if (!chain.Build(certificate))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return Refuse(ExchangeErrors.VerifyCertificateUntrusted, $"The certificate does not chain to a configured anchor at {checkedAt:u} ({status}).");
        }

        var softFails = new List<string>();
        var elements = chain.ChainElements;
        for (var i = 0; i < elements.Count - 1; i++)
        {
            var subject = elements[i].Certificate;
            var (state, detail) = await RevocationAsync(subject, elements[i + 1].Certificate, cancellationToken);
            var who = i == 0 ? "The certificate" : $"Its issuing CA '{subject.GetNameInfo(X509NameType.SimpleName, false)}'";
            switch (state)
            {
                case RevocationState.Revoked:
                    return Refuse(ExchangeErrors.VerifyCertificateRevoked, $"{who} is revoked ({detail}).");
                case RevocationState.Unknown when _options.RevocationFailure == RevocationFailureMode.HardFail:
                    Log.RevocationUnavailable(_logger, SigningKeyStore.KeyId(subject), detail);
                    return Refuse(ExchangeErrors.VerifyRevocationUnknown, $"{who} has no known revocation status ({detail}); the policy is hard-fail.");
                case RevocationState.Unknown:
                    Log.RevocationSoftFail(_logger, SigningKeyStore.KeyId(subject), detail);
                    softFails.Add(detail);
                    break;
            }
        }
        var revocation = softFails.Count == 0 ? "good (CRL)" : $"soft-fail: {string.Join("; ", softFails)}";
        return new CertificateCheck(null, $"chains to anchor '{elements[^1].Certificate.GetNameInfo(X509NameType.SimpleName, false)}'", revocation);
    }

    /// <summary>Checks <paramref name="certificate"/> for use now (e.g. before sending to a partner, or for its receipt).</summary>
    public ValueTask<CertificateCheck> CheckNowAsync(X509Certificate2 certificate, CancellationToken cancellationToken) =>
        CheckAsync(certificate, _time.GetUtcNow(), cancellationToken);

    private async ValueTask<(RevocationState State, string Detail)> RevocationAsync(X509Certificate2 subject, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        var bcSubject = new X509CertificateParser().ReadCertificate(subject.RawData);
        var bcIssuer = new X509CertificateParser().ReadCertificate(issuer.RawData);
        var problems = new List<string>();
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var crl in await CandidatesAsync(bcSubject, problems, cancellationToken))
        {
            if (!crl.IssuerDN.Equivalent(bcIssuer.SubjectDN))
            {
                continue;
            }
            try
            {
                crl.Verify(PublicKey(issuer));
            }
            catch (Exception ex) when (ex is Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Security.InvalidKeyException
                or Org.BouncyCastle.Crypto.InvalidCipherTextException or Org.BouncyCastle.Security.SignatureException or ArgumentException)
            {
                problems.Add("a CRL naming the issuer is not signed by it");
                continue;
            }
            if (crl.NextUpdate is { } next && next < now)
            {
                problems.Add($"the issuer's CRL expired on {next:u}");
                continue;
            }
            if (crl.GetRevokedCertificate(bcSubject.SerialNumber) is { } entry)
            {
                return (RevocationState.Revoked, $"on {entry.RevocationDate:u}");
            }
            return (RevocationState.Good, "good");
        }
        return (RevocationState.Unknown, problems.Count > 0 ? string.Join("; ", problems.Distinct()) : "no CRL from the issuer was found");
    }

    /// <summary>The CRLs that may cover a certificate: files first, then configured URLs, then its distribution points.</summary>
    private async ValueTask<List<X509Crl>> CandidatesAsync(BcCertificate subject, List<string> problems, CancellationToken cancellationToken)
    {
        var found = new List<X509Crl>();
        if (Directory.Exists(_crls))
        {
            foreach (var file in Directory.EnumerateFiles(_crls).Order(StringComparer.Ordinal))
            {
                if (FromFile(file, problems) is { } crl)
                {
                    found.Add(crl);
                }
            }
        }
        var urls = new List<string>(_options.CrlUrls);
        if (_options.UseCrlDistributionPoints)
        {
            urls.AddRange(DistributionPoints(subject));
        }
        foreach (var url in urls.Distinct(StringComparer.Ordinal))
        {
            if (await FromUrlAsync(url, problems, cancellationToken) is { } crl)
            {
                found.Add(crl);
            }
        }
        return found;
    }

    private X509Crl? FromFile(string path, List<string> problems)
    {
        var info = new FileInfo(path);
        var key = $"file:{path}:{info.LastWriteTimeUtc.Ticks}:{info.Length}";
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached.Crl;
        }
        if (info.Length > _options.MaxCrlBytes)
        {
            problems.Add($"CRL file {info.Name} is larger than {_options.MaxCrlBytes} bytes");
            return null;
        }
        var crl = Parse(File.ReadAllBytes(path));
        if (crl is null)
        {
            problems.Add($"CRL file {info.Name} cannot be read");
            return null;
        }
        _cache[key] = new CachedCrl(crl, DateTime.MaxValue);
        return crl;
    }

    private async ValueTask<X509Crl?> FromUrlAsync(string url, List<string> problems, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (_cache.TryGetValue(url, out var cached) && cached.RefreshAfter > now)
        {
            return cached.Crl;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add("a CRL location is not an http(s) URL");
            return null;
        }
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                problems.Add($"CRL download from {uri.Authority} answered {(int)response.StatusCode}");
                return cached?.Crl is { } stale && stale.NextUpdate > now ? stale : null;
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > _options.MaxCrlBytes)
                {
                    problems.Add($"CRL from {uri.Authority} is larger than {_options.MaxCrlBytes} bytes");
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
            var crl = Parse(buffer.ToArray());
            if (crl is null)
            {
                problems.Add($"CRL from {uri.Authority} cannot be read");
                return null;
            }
            _cache[url] = new CachedCrl(crl, crl.NextUpdate ?? now + UndatedCrlLifetime);
            return crl;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            problems.Add($"CRL download from {uri.Authority} failed ({ex.GetType().Name})");
            // A CRL fetched earlier still counts while it is current.
            return cached?.Crl is { } previous && previous.NextUpdate > now ? previous : null;
        }
    }

    private static X509Crl? Parse(byte[] bytes)
    {
        try
        {
            return new X509CrlParser().ReadCrl(bytes);
        }
        catch (Exception ex) when (ex is IOException or Org.BouncyCastle.Security.Certificates.CrlException or ArgumentException or InvalidCastException)
        {
            return null;
        }
    }

    private static IEnumerable<string> DistributionPoints(BcCertificate certificate)
    {
        var value = certificate.GetExtensionValue(X509Extensions.CrlDistributionPoints);
        if (value is null)
        {
            yield break;
        }
        var points = CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).GetDistributionPoints();
        foreach (var point in points)
        {
            if (point.DistributionPointName?.Name is GeneralNames names)
            {
                foreach (var name in names.GetNames())
                {
                    if (name.TagNo == GeneralName.UniformResourceIdentifier)
                    {
                        yield return DerIA5String.GetInstance(name.Name).GetString();
                    }
                }
            }
        }
    }

    /// <summary>Whether the certificate's signature verifies with its own key (kept per certificate content).</summary>
    private bool VerifiesItself(X509Certificate2 certificate)
    {
        var id = SigningKeyStore.KeyId(certificate);
        if (_selfSigned.TryGetValue(id, out var verifies))
        {
            return verifies;
        }
        try
        {
            new X509CertificateParser().ReadCertificate(certificate.RawData).Verify(PublicKey(certificate));
            verifies = true;
        }
        catch (Exception)
        {
            verifies = false;
        }
        if (_selfSigned.Count < MaxCachedCertificates)
        {
            _selfSigned[id] = verifies;
        }
        return verifies;
    }

    /// <summary>The certificate's public key for BouncyCastle (CRL and self-signature checks), built once per certificate content.</summary>
    private AsymmetricKeyParameter PublicKey(X509Certificate2 certificate)
    {
        var id = SigningKeyStore.KeyId(certificate);
        if (_publicKeys.TryGetValue(id, out var key))
        {
            return key;
        }
        key = new X509CertificateParser().ReadCertificate(certificate.RawData).GetPublicKey();
        if (_publicKeys.Count < MaxCachedCertificates)
        {
            _publicKeys[id] = key;
        }
        return key;
    }

    /// <summary>
    /// The certificates of an anchors/intermediates folder, read again only when the folder changed (a file added,
    /// removed or renamed), not per message. A certificate overwritten in place is seen after a restart.
    /// </summary>
    private List<X509Certificate2> Certificates(string folder)
    {
        var stamp = Directory.Exists(folder) ? Directory.GetLastWriteTimeUtc(folder) : DateTime.MinValue;
        if (_folders.TryGetValue(folder, out var cached) && cached.Stamp == stamp)
        {
            return cached.Certificates;
        }
        var read = ReadCertificates(folder);
        _folders[folder] = (stamp, read);
        return read;
    }

    private static List<X509Certificate2> ReadCertificates(string folder)
    {
        var certificates = new List<X509Certificate2>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.pem").Order(StringComparer.Ordinal))
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(file);
                certificates.AddRange(collection);
            }
        }
        return certificates;
    }

    private static CertificateCheck Refuse(string code, string detail) => new(code, detail, "not checked");

    public void Dispose() => _http.Dispose();

    private enum RevocationState
    {
        Good,
        Revoked,
        Unknown,
    }

    private sealed record CachedCrl(X509Crl Crl, DateTime RefreshAfter);
}
