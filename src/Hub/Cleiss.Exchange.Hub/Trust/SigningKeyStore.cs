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
    private readonly Lazy<SigningCredentials> _credentials;

    public SigningKeyStore(IOptions<HubOptions> options, TimeProvider time, ILogger<SigningKeyStore> logger)
    {
        var folder = Path.Combine(options.Value.DataDirectory, "keys");
        var id = options.Value.AccessPointId;
        _credentials = new Lazy<SigningCredentials>(() => LoadOrCreate(folder, id, time, logger));
    }

    /// <summary>Where the certificate (public part) is written.</summary>
    public static string CertificatePath(string dataDirectory) => Path.Combine(dataDirectory, "keys", "signing.crt.pem");

    /// <summary>The credentials; created on first use.</summary>
    public SigningCredentials Current => _credentials.Value;

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

        WriteOwnerOnly(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, created.ExportCertificatePem());
        var reloaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var result = new SigningCredentials(reloaded, KeyId(reloaded));
        Log.SigningKeyCreated(logger, accessPointId, result.KeyId, folder);
        return result;
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
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
