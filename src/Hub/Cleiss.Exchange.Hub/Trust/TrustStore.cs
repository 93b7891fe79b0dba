using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// Partner certificates, one per access point, read from PEM files in <c>&lt;data&gt;/trust/</c> and
/// keyed by the certificate subject's CN (the access point id). A lookup that misses reads the folder
/// again, so a partner registered while the hub runs is found (misses only happen for access points
/// that the directory knows but that have no certificate yet).
/// Chains, validity and revocation checks come with the trust issue (#4).
/// </summary>
public sealed class TrustStore
{
    private readonly string _folder;
    private readonly ILogger<TrustStore> _logger;
    private readonly Lock _reloadLock = new();
    private FrozenDictionary<string, X509Certificate2> _byAccessPoint = FrozenDictionary<string, X509Certificate2>.Empty;

    public TrustStore(IOptions<HubOptions> options, ILogger<TrustStore> logger)
    {
        _folder = Path.Combine(options.Value.DataDirectory, "trust");
        _logger = logger;
        Reload();
    }

    /// <summary>The folder partners' certificates are read from.</summary>
    public static string Folder(string dataDirectory) => Path.Combine(dataDirectory, "trust");

    /// <summary>The certificate registered for an access point, or null.</summary>
    public X509Certificate2? FindForAccessPoint(string accessPointId)
    {
        if (_byAccessPoint.TryGetValue(accessPointId, out var certificate))
        {
            return certificate;
        }
        lock (_reloadLock)
        {
            Reload();
        }
        return _byAccessPoint.GetValueOrDefault(accessPointId);
    }

    private void Reload()
    {
        var map = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        if (Directory.Exists(_folder))
        {
            foreach (var file in Directory.EnumerateFiles(_folder, "*.pem"))
            {
                var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(file));
                var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                if (!string.IsNullOrEmpty(cn))
                {
                    map[cn] = certificate;
                }
            }
        }
        _byAccessPoint = map.ToFrozenDictionary(StringComparer.Ordinal);
        Log.TrustLoaded(_logger, map.Count, _folder);
    }
}
