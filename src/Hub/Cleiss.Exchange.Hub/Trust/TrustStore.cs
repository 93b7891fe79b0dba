using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>A registered certificate as <c>cleiss trust list</c> shows it.</summary>
public sealed record TrustedCertificate(string Name, string KeyId, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string File);

/// <summary>
/// Partner certificates read from PEM files in <c>&lt;data&gt;/trust/</c> and keyed by the certificate
/// subject's CN: an access point id, or an institution id when an institution signs with its own key.
/// A name can have two certificates during a key rotation. A lookup that misses reads the folder again,
/// so a partner registered while the hub runs is found. Anchors, intermediates and CRLs live in
/// subfolders and are checked by <see cref="CertificateValidator"/>.
/// </summary>
public sealed class TrustStore
{
    private readonly string _folder;
    private readonly ILogger<TrustStore> _logger;
    private readonly Lock _reloadLock = new();
    private FrozenDictionary<string, X509Certificate2[]> _byName = FrozenDictionary<string, X509Certificate2[]>.Empty;

    public TrustStore(IOptions<HubOptions> options, ILogger<TrustStore> logger)
    {
        _folder = Folder(options.Value.DataDirectory);
        _logger = logger;
        Reload();
    }

    /// <summary>The folder partners' certificates are read from.</summary>
    public static string Folder(string dataDirectory) => Path.Combine(dataDirectory, "trust");

    /// <summary>The newest certificate registered for an access point, or null.</summary>
    public X509Certificate2? FindForAccessPoint(string accessPointId) => FindAll(accessPointId) is { Count: > 0 } found ? found[0] : null;

    /// <summary>Every certificate registered under a name (newest first), or none.</summary>
    public IReadOnlyList<X509Certificate2> FindAll(string name)
    {
        if (_byName.TryGetValue(name, out var certificates))
        {
            return certificates;
        }
        lock (_reloadLock)
        {
            Reload();
        }
        return _byName.GetValueOrDefault(name) ?? [];
    }

    /// <summary>Every registered certificate, for <c>cleiss trust list</c>.</summary>
    public static IReadOnlyList<TrustedCertificate> List(string dataDirectory) =>
        [.. Read(Folder(dataDirectory)).OrderBy(c => c.Name, StringComparer.Ordinal).ThenByDescending(c => c.Certificate.NotBefore)
            .Select(c => new TrustedCertificate(c.Name, SigningKeyStore.KeyId(c.Certificate), c.Certificate.NotBefore.ToUniversalTime(), c.Certificate.NotAfter.ToUniversalTime(), c.File))];

    /// <summary>
    /// Registers a partner certificate (PEM): <c>partner</c> (default, keyed by its CN), <c>anchor</c> or
    /// <c>intermediate</c>. Returns the file written. Refuses a file that is not exactly one certificate, or a
    /// partner certificate without a CN.
    /// </summary>
    public static string Import(string dataDirectory, string pemFile, string kind = "partner")
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(pemFile);
        if (collection.Count != 1)
        {
            throw new InvalidOperationException($"{Path.GetFileName(pemFile)} holds {collection.Count} certificates; import one at a time.");
        }
        var certificate = collection[0];
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var folder = kind switch
        {
            "partner" => Folder(dataDirectory),
            "anchor" => Path.Combine(Folder(dataDirectory), "anchors"),
            "intermediate" => Path.Combine(Folder(dataDirectory), "intermediates"),
            _ => throw new ArgumentException("The kind is partner, anchor or intermediate.", nameof(kind)),
        };
        if (kind == "partner" && string.IsNullOrEmpty(name))
        {
            throw new InvalidOperationException("A partner certificate needs a subject CN (its access point or institution id).");
        }
        Directory.CreateDirectory(folder);
        var safe = new string((name ?? "ca").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
        var path = Path.Combine(folder, $"{safe}-{SigningKeyStore.KeyId(certificate)[..16]}.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private void Reload()
    {
        var all = Read(_folder);
        _byName = all.GroupBy(c => c.Name, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(c => c.Certificate).OrderByDescending(c => c.NotBefore).ToArray(), StringComparer.Ordinal);
        Log.TrustLoaded(_logger, all.Count, _folder);
    }

    private static List<(string Name, X509Certificate2 Certificate, string File)> Read(string folder)
    {
        var found = new List<(string, X509Certificate2, string)>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.pem").Order(StringComparer.Ordinal))
            {
                var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(file));
                var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                if (!string.IsNullOrEmpty(cn))
                {
                    found.Add((cn, certificate, file));
                }
            }
        }
        return found;
    }
}
