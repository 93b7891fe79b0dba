using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>A signing key as <c>cleiss keys list</c> shows it (never the private part).</summary>
/// <param name="Owner">The institution or access point that signs with it.</param>
/// <param name="KeyId">SHA-256 thumbprint of the certificate (the id in audit events).</param>
/// <param name="Algorithm"><c>rsa-sha256</c> or <c>ecdsa-p256-sha256</c>.</param>
/// <param name="NotBefore">Certificate validity start.</param>
/// <param name="NotAfter">Certificate validity end.</param>
/// <param name="Status"><c>signing</c> (the one used now), <c>active</c> (still valid: the previous key during a rotation), <c>retired</c>, <c>expired</c> or <c>not yet valid</c>.</param>
/// <param name="Source">Where it is read from.</param>
public sealed record SigningKeyInfo(string Owner, string KeyId, string Algorithm, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Status, string Source);

/// <summary>
/// Signing keys, per owner: an institution id (outbound documents are signed with the sending
/// institution's key when it has one) or this hub's access point id (the default signer, and the
/// receipts' signer). Sources: the access point key created on first run (<c>&lt;data&gt;/keys/signing.*.pem</c>),
/// keys generated or rotated by <c>cleiss keys</c> (<c>&lt;data&gt;/keys/owners/&lt;owner&gt;/</c>, PEM, owner-only file
/// mode), and keys configured under <c>Hub:Signing:Keys</c> (PKCS#12 or PEM, password from configuration or an
/// environment variable). An owner signs with its newest currently valid key; during a rotation the previous
/// key stays active (two active keys at most: rotating again retires the oldest).
/// </summary>
public sealed class SigningKeyStore
{
    private const string OwnersFolder = "owners";
    private const string RetiredFolder = "retired";

    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly string _accessPointId;
    private readonly TimeProvider _time;
    private readonly ILogger<SigningKeyStore> _logger;
    private readonly IReadOnlyList<ConfiguredSigningKey> _configured;
    private readonly Dictionary<string, (DateTime Stamp, List<Loaded> Keys)> _byOwner = new(StringComparer.Ordinal);
    private SigningCredentials? _current;

    public SigningKeyStore(IOptions<HubOptions> options, TimeProvider time, ILogger<SigningKeyStore> logger, IOptions<SigningOptions>? signing = null)
    {
        _folder = Path.Combine(options.Value.DataDirectory, "keys");
        _accessPointId = options.Value.AccessPointId;
        _time = time;
        _logger = logger;
        _configured = signing?.Value.Keys ?? [];
    }

    /// <summary>Where the access point's first certificate (public part) is written.</summary>
    public static string CertificatePath(string dataDirectory) => Path.Combine(dataDirectory, "keys", "signing.crt.pem");

    /// <summary>
    /// The access point's signing credentials (its newest valid key), created on first use. A failure is
    /// not remembered: the next call tries again.
    /// </summary>
    public SigningCredentials Current
    {
        get
        {
            if (_current is { } current && IsValidNow(current.Certificate))
            {
                return ForOwner(_accessPointId) ?? current;
            }
            lock (_gate)
            {
                _current = LoadOrCreateFirst(_folder, _accessPointId, _time, _logger);
            }
            return ForOwner(_accessPointId) ?? _current;
        }
    }

    /// <summary>The key <paramref name="owner"/> signs with now (its newest currently valid key), or null when it has none.</summary>
    public SigningCredentials? ForOwner(string owner)
    {
        var keys = Keys(owner);
        Loaded? newest = null;
        foreach (var key in keys)
        {
            if (!key.Retired && IsValidNow(key.Credentials.Certificate) && (newest is null || Newer(key, newest)))
            {
                newest = key;
            }
        }
        return newest?.Credentials;
    }

    /// <summary>The certificate of key <paramref name="keyId"/> of <paramref name="owner"/>, retired keys included, or null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? FindCertificate(string owner, string keyId) =>
        Keys(owner).Find(k => string.Equals(k.Credentials.KeyId, keyId, StringComparison.Ordinal))?.Credentials.Certificate;

    /// <summary>Every key of every owner known to the store, newest first per owner.</summary>
    public IReadOnlyList<SigningKeyInfo> List()
    {
        var owners = new SortedSet<string>(StringComparer.Ordinal) { _accessPointId };
        if (Directory.Exists(Path.Combine(_folder, OwnersFolder)))
        {
            foreach (var folder in Directory.EnumerateDirectories(Path.Combine(_folder, OwnersFolder)))
            {
                owners.Add(Path.GetFileName(folder).Replace('_', ':'));
            }
        }
        foreach (var configured in _configured)
        {
            owners.Add(configured.Owner);
        }
        var list = new List<SigningKeyInfo>();
        foreach (var owner in owners)
        {
            var signing = ForOwner(owner);
            foreach (var key in Keys(owner).OrderByDescending(k => k.Credentials.Certificate.NotBefore).ThenByDescending(k => k.Written))
            {
                var certificate = key.Credentials.Certificate;
                var status = key.Retired ? "retired"
                    : ReferenceEquals(key.Credentials, signing) ? "signing"
                    : IsValidNow(certificate) ? "active"
                    : certificate.NotAfter.ToUniversalTime() < _time.GetUtcNow().UtcDateTime ? "expired" : "not yet valid";
                list.Add(new SigningKeyInfo(owner, key.Credentials.KeyId, key.Credentials.AlgorithmName,
                    certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), status, key.Source));
            }
        }
        return list;
    }

    /// <summary>
    /// Creates the first key of <paramref name="owner"/> (<c>rsa</c>: RSA-2048, <c>ecdsa</c>: P-256) with a self-signed
    /// certificate. An owner that already has a valid generated key gets a new one through <see cref="Rotate"/> only,
    /// so that no more than two are ever active.
    /// </summary>
    public SigningCredentials Generate(string owner, string algorithm = "rsa")
    {
        if (Keys(owner).Exists(k => !k.Retired && k.Source == "generated" && IsValidNow(k.Credentials.Certificate)))
        {
            throw new InvalidOperationException($"{owner} already has a generated key; use rotate to replace it.");
        }
        return Create(owner, algorithm);
    }

    private SigningCredentials Create(string owner, string algorithm)
    {
        var folder = OwnerFolder(owner);
        Directory.CreateDirectory(folder);
        var created = Create(owner, algorithm, _time, out var keyPem);
        var keyPath = Path.Combine(folder, created.KeyId + ".key.pem");
        var certificatePath = Path.Combine(folder, created.KeyId + ".crt.pem");
        WriteDurably(keyPath, keyPem, ownerOnly: true);
        WriteDurably(certificatePath, created.Certificate.ExportCertificatePem(), ownerOnly: false);
        var credentials = FromPem(certificatePath, keyPath, null);
        Forget(owner);
        Log.SigningKeyCreated(_logger, owner, credentials.KeyId, folder);
        return credentials;
    }

    /// <summary>
    /// Starts a rotation: a new key becomes the signing key, the previous one stays active (partners may not
    /// have registered the new certificate yet), and any older key is retired, so at most two are active.
    /// </summary>
    public (SigningCredentials New, IReadOnlyList<string> Retired) Rotate(string owner, string algorithm = "rsa")
    {
        var previous = ForOwner(owner);
        var created = Create(owner, algorithm);
        var retired = new List<string>();
        foreach (var key in Keys(owner))
        {
            var id = key.Credentials.KeyId;
            if (key.Retired || id == created.KeyId || id == previous?.KeyId || !IsValidNow(key.Credentials.Certificate))
            {
                continue;
            }
            if (Retire(owner, id))
            {
                retired.Add(id);
            }
        }
        return (created, retired);
    }

    /// <summary>Retires a generated key (moved to <c>retired/</c>, kept for the record). False when no such generated key exists.</summary>
    public bool Retire(string owner, string keyId)
    {
        var folder = OwnerFolder(owner);
        var key = Path.Combine(folder, keyId + ".key.pem");
        var certificate = Path.Combine(folder, keyId + ".crt.pem");
        if (!File.Exists(key) || !File.Exists(certificate))
        {
            return false;
        }
        var retired = Path.Combine(folder, RetiredFolder);
        Directory.CreateDirectory(retired);
        File.Move(certificate, Path.Combine(retired, keyId + ".crt.pem"), overwrite: true);
        File.Move(key, Path.Combine(retired, keyId + ".key.pem"), overwrite: true);
        Forget(owner);
        return true;
    }

    /// <summary>The key id recorded in audit events: the certificate's SHA-256 thumbprint.</summary>
    public static string KeyId(X509Certificate2 certificate) => Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));

    private string OwnerFolder(string owner)
    {
        if (owner.Length is 0 or > 64 || owner.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '.')))
        {
            throw new ArgumentException("An owner is an institution or access point id (letters, digits, ':', '-', '.').", nameof(owner));
        }
        return Path.Combine(_folder, OwnersFolder, owner.Replace(':', '_'));
    }

    private void Forget(string owner)
    {
        lock (_byOwner)
        {
            _byOwner.Remove(owner);
        }
    }

    /// <summary>The owner's keys, read again when its folder changed.</summary>
    private List<Loaded> Keys(string owner)
    {
        var folder = OwnerFolder(owner);
        var stamp = Directory.Exists(folder) ? Directory.GetLastWriteTimeUtc(folder) : DateTime.MinValue;
        lock (_byOwner)
        {
            if (_byOwner.TryGetValue(owner, out var cached) && cached.Stamp == stamp)
            {
                return cached.Keys;
            }
        }
        var keys = new List<Loaded>();
        if (owner == _accessPointId && File.Exists(Path.Combine(_folder, "signing.key.pem")) && File.Exists(CertificatePath(Path.GetDirectoryName(_folder)!)))
        {
            keys.Add(new Loaded(FromPem(CertificatePath(Path.GetDirectoryName(_folder)!), Path.Combine(_folder, "signing.key.pem"), null), false, "data/keys/signing.*.pem"));
        }
        foreach (var (sub, retired) in new[] { (folder, false), (Path.Combine(folder, RetiredFolder), true) })
        {
            if (!Directory.Exists(sub))
            {
                continue;
            }
            foreach (var certificate in Directory.EnumerateFiles(sub, "*.crt.pem").Order(StringComparer.Ordinal))
            {
                var key = certificate[..^".crt.pem".Length] + ".key.pem";
                if (File.Exists(key))
                {
                    keys.Add(new Loaded(FromPem(certificate, key, null), retired, retired ? "generated, retired" : "generated", File.GetLastWriteTimeUtc(certificate)));
                }
            }
        }
        foreach (var configured in _configured.Where(c => c.Owner == owner))
        {
            keys.Add(new Loaded(FromConfiguration(configured), false, $"configured ({Path.GetFileName(configured.Certificate)})"));
        }
        lock (_byOwner)
        {
            _byOwner[owner] = (stamp, keys);
        }
        return keys;
    }

    private static SigningCredentials FromConfiguration(ConfiguredSigningKey configured)
    {
        var password = configured.PasswordEnvironmentVariable is { Length: > 0 } variable
            ? Environment.GetEnvironmentVariable(variable) ?? throw new InvalidOperationException($"Hub:Signing:Keys: the environment variable {variable} (password for {configured.Owner}) is not set.")
            : configured.Password;
        var extension = Path.GetExtension(configured.Certificate).ToLowerInvariant();
        if (extension is ".p12" or ".pfx")
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(configured.Certificate, password, X509KeyStorageFlags.EphemeralKeySet);
            return new SigningCredentials(certificate, KeyId(certificate));
        }
        if (configured.PrivateKey is null)
        {
            throw new InvalidOperationException($"Hub:Signing:Keys: the PEM certificate for {configured.Owner} needs a PrivateKey file.");
        }
        return FromPem(configured.Certificate, configured.PrivateKey, password);
    }

    private static SigningCredentials FromPem(string certificatePath, string keyPath, string? password)
    {
        var certificate = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
        return new SigningCredentials(certificate, KeyId(certificate));
    }

    private bool IsValidNow(X509Certificate2 certificate)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return certificate.NotBefore.ToUniversalTime() <= now && now <= certificate.NotAfter.ToUniversalTime();
    }

    /// <summary>The access point's first key, created on the first run and loaded on every later run.</summary>
    private static SigningCredentials LoadOrCreateFirst(string folder, string accessPointId, TimeProvider time, ILogger logger)
    {
        var keyPath = Path.Combine(folder, "signing.key.pem");
        var certPath = Path.Combine(folder, "signing.crt.pem");
        if (File.Exists(keyPath) && File.Exists(certPath))
        {
            var credentials = FromPem(certPath, keyPath, null);
            Log.SigningKeyLoaded(logger, accessPointId, credentials.KeyId);
            return credentials;
        }
        Directory.CreateDirectory(folder);
        var created = Create(accessPointId, "rsa", time, out var keyPem);
        WriteDurably(keyPath, keyPem, ownerOnly: true);
        WriteDurably(certPath, created.Certificate.ExportCertificatePem(), ownerOnly: false);
        var result = FromPem(certPath, keyPath, null);
        Log.SigningKeyCreated(logger, accessPointId, result.KeyId, folder);
        return result;
    }

    /// <summary>A new key and its self-signed signing certificate (CN = owner, digitalSignature + nonRepudiation, not a CA, 3 years).</summary>
    private static SigningCredentials Create(string owner, string algorithm, TimeProvider time, out string keyPem)
    {
        using AsymmetricAlgorithm key = algorithm switch
        {
            "rsa" => RSA.Create(2048),
            "ecdsa" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            _ => throw new ArgumentException("The algorithm is rsa (RSA-2048) or ecdsa (P-256).", nameof(algorithm)),
        };
        var subject = $"CN={owner}, O=Cleiss.Exchange";
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(3));
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return new SigningCredentials(certificate, KeyId(certificate));
    }

    /// <summary>Writes through a temporary file, flushed to disk, then renamed: never a torn key file.</summary>
    private static void WriteDurably(string path, string content, bool ownerOnly)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Newer certificate first; two made within the same second (validity has second precision) by the file written last.</summary>
    private static bool Newer(Loaded a, Loaded b) =>
        a.Credentials.Certificate.NotBefore != b.Credentials.Certificate.NotBefore
            ? a.Credentials.Certificate.NotBefore > b.Credentials.Certificate.NotBefore
            : a.Written > b.Written;

    private sealed record Loaded(SigningCredentials Credentials, bool Retired, string Source, DateTime Written = default);
}
