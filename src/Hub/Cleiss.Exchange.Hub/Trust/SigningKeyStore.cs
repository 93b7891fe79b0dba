using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// The hub's signing key: RSA-2048 with a self-signed certificate whose subject CN is the hub's
/// access point id, created on first run under <c>&lt;data&gt;/keys/</c> (PEM, owner-only file
/// mode) and loaded on every later run. Key rotation and institution keys come with the trust issue.
/// </summary>
public sealed class SigningKeyStore
{
    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly string _accessPointId;
    private readonly TimeProvider _time;
    private readonly ILogger<SigningKeyStore> _logger;
    private SigningCredentials? _current;

    public SigningKeyStore(IOptions<HubOptions> options, TimeProvider time, ILogger<SigningKeyStore> logger)
    {
        _folder = Path.Combine(options.Value.DataDirectory, "keys");
        _accessPointId = options.Value.AccessPointId;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where the certificate (public part) is written.</summary>
    public static string CertificatePath(string dataDirectory) => Path.Combine(dataDirectory, "keys", "signing.crt.pem");

    /// <summary>The credentials; created on first use. A failure is not remembered: the next call tries again.</summary>
    public SigningCredentials Current
    {
        get
        {
            if (_current is { } current)
            {
                return current;
            }
            lock (_gate)
            {
                return _current ??= LoadOrCreate(_folder, _accessPointId, _time, _logger);
            }
        }
    }

    private static SigningCredentials LoadOrCreate(string folder, string accessPointId, TimeProvider time, ILogger logger)
    {
        var keyPath = Path.Combine(folder, "signing.key.pem");
        var certPath = Path.Combine(folder, "signing.crt.pem");
        if (File.Exists(keyPath) && File.Exists(certPath))
        {
            var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            var credentials = new SigningCredentials(loaded, KeyId(loaded));
            Log.SigningKeyLoaded(logger, accessPointId, credentials.KeyId);
            return credentials;
        }

        Directory.CreateDirectory(folder);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={accessPointId}, O=Cleiss.Exchange", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(3));

        WriteDurably(keyPath, rsa.ExportPkcs8PrivateKeyPem(), ownerOnly: true);
        WriteDurably(certPath, created.ExportCertificatePem(), ownerOnly: false);
        var reloaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var result = new SigningCredentials(reloaded, KeyId(reloaded));
        Log.SigningKeyCreated(logger, accessPointId, result.KeyId, folder);
        return result;
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

    /// <summary>The key id recorded in audit events: the certificate's SHA-256 thumbprint.</summary>
    public static string KeyId(X509Certificate2 certificate) => Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
}
