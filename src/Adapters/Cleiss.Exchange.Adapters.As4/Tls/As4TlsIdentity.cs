using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>
/// The certificate this hub shows in mutual TLS, as server (the <c>/as4</c> listener) and as client (sending to
/// partners): the one configured under <c>Hub:As4:Tls</c>, else the access point's current signing key, so a key
/// rotation (<c>cleiss keys rotate</c>) is picked up by the next handshake. <see cref="Check"/> refuses at start a
/// certificate without private key, out of validity, a CA, whose key usage or extended key usage excludes TLS, or
/// whose CN is not the hub's access point id (partners register it under that name and bind on it).
/// </summary>
public sealed class As4TlsIdentity
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly IOptions<As4TlsOptions> _options;
    private readonly SigningKeyStore _keys;
    private readonly string _accessPointId;
    private readonly TimeProvider _time;
    private readonly Lazy<(X509Certificate2 Leaf, X509Certificate2Collection Chain)?> _configured;
    private volatile CachedContext? _context;

    public As4TlsIdentity(IOptions<As4TlsOptions> options, IOptions<HubOptions> hub, SigningKeyStore keys, TimeProvider time)
    {
        _options = options; // read when first needed: the host resolves this before the options are validated
        _keys = keys;
        _accessPointId = hub.Value.AccessPointId;
        _time = time;
        _configured = new(LoadConfigured);
    }

    /// <summary>The certificate (with private key) to present now.</summary>
    public X509Certificate2 Certificate => _configured.Value?.Leaf ?? _keys.Current.Certificate;

    /// <summary>
    /// The server certificate context: built offline (no intermediate fetched from the network), with the
    /// configured chain if any, and rebuilt when the certificate changes.
    /// </summary>
    public SslStreamCertificateContext ServerContext()
    {
        var certificate = Certificate;
        var keyId = SigningKeyStore.KeyId(certificate);
        if (_context is { } cached && cached.KeyId == keyId)
        {
            return cached.Context;
        }
        var context = SslStreamCertificateContext.Create(certificate, _configured.Value?.Chain, offline: true);
        _context = new CachedContext(keyId, context);
        return context;
    }

    /// <summary>Loads the certificate and throws with the reason when it cannot serve for mutual TLS.</summary>
    public void Check()
    {
        var certificate = Certificate;
        var problem = Problem(certificate, _accessPointId, _time.GetUtcNow());
        if (problem is not null)
        {
            throw new InvalidOperationException($"{As4TlsOptions.SectionName}: the TLS certificate {SigningKeyStore.KeyId(certificate)[..16]}… cannot be used: {problem}");
        }
    }

    /// <summary>Why <paramref name="certificate"/> cannot be this hub's TLS certificate, or null.</summary>
    public static string? Problem(X509Certificate2 certificate, string accessPointId, DateTimeOffset now)
    {
        if (!certificate.HasPrivateKey)
        {
            return "it has no private key.";
        }
        if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime || certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            return $"it is not valid now (valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}).";
        }
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return "it is a CA certificate.";
        }
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return "its key usage does not include digitalSignature.";
        }
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } enhanced)
        {
            var oids = enhanced.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
            if (!oids.Contains(ServerAuth.Value) || !oids.Contains(ClientAuth.Value))
            {
                return "its extended key usage must allow both serverAuth and clientAuth (or be absent).";
            }
        }
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return cn == accessPointId ? null : $"its subject CN is '{cn}', not the access point id {accessPointId}.";
    }

    private (X509Certificate2 Leaf, X509Certificate2Collection Chain)? LoadConfigured()
    {
        var options = _options.Value;
        if (options.Certificate is not { Length: > 0 } path)
        {
            return null;
        }
        var password = options.PasswordEnvironmentVariable is { Length: > 0 } variable
            ? Environment.GetEnvironmentVariable(variable) ?? throw new InvalidOperationException($"{As4TlsOptions.SectionName}: the environment variable {variable} is not set.")
            : options.Password;
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        if (Path.GetExtension(path).ToLowerInvariant() is ".p12" or ".pfx")
        {
            var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
            leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new InvalidOperationException($"{As4TlsOptions.SectionName}: {Path.GetFileName(path)} holds no key.");
            chain.AddRange(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
        }
        else
        {
            leaf = password is null
                ? X509Certificate2.CreateFromPemFile(path, options.PrivateKey)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, options.PrivateKey);
            var pem = new X509Certificate2Collection();
            pem.ImportFromPemFile(path);
            chain.AddRange(pem.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray());
        }
        return (leaf, chain);
    }

    private sealed record CachedContext(string KeyId, SslStreamCertificateContext Context);
}
