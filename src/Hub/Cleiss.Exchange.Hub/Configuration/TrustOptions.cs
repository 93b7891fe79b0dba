namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>What to do when a certificate's revocation status cannot be established.</summary>
public enum RevocationFailureMode
{
    /// <summary>Refuse the signature (VERIFY.REVOCATION_UNKNOWN). The default.</summary>
    HardFail,

    /// <summary>Accept it and record the soft-fail, with its reason, in the audit event.</summary>
    SoftFail,
}

/// <summary>
/// How partner certificates are checked on every verification (<c>Hub:Trust</c>). Folders default to
/// subfolders of <c>&lt;data&gt;/trust/</c>: <c>anchors/</c> (CA certificates a partner certificate must chain to),
/// <c>intermediates/</c>, <c>crls/</c> (DER or PEM CRLs).
/// </summary>
public sealed class TrustOptions
{
    public const string SectionName = "Hub:Trust";

    /// <summary>CA certificates (PEM) that partner certificates chain to. Default <c>&lt;data&gt;/trust/anchors</c>.</summary>
    public string? AnchorsDirectory { get; set; }

    /// <summary>Intermediate CA certificates (PEM). Default <c>&lt;data&gt;/trust/intermediates</c>.</summary>
    public string? IntermediatesDirectory { get; set; }

    /// <summary>CRL files (DER or PEM). Default <c>&lt;data&gt;/trust/crls</c>.</summary>
    public string? CrlDirectory { get; set; }

    /// <summary>CRLs fetched over HTTP(S), besides the files. Empty by default.</summary>
    public List<string> CrlUrls { get; set; } = [];

    /// <summary>Also fetch the CRLs named by a certificate's CRL distribution points (http/https only). Default true.</summary>
    public bool UseCrlDistributionPoints { get; set; } = true;

    /// <summary>Hard-fail (default) or soft-fail when no current, correctly signed CRL covers a certificate.</summary>
    public RevocationFailureMode RevocationFailure { get; set; } = RevocationFailureMode.HardFail;

    /// <summary>
    /// Accept a registered self-signed certificate that is not a CA as its own trust anchor (pinning;
    /// it has no issuer, so no revocation list). Default true: the embedded demo and simple bilateral
    /// set-ups pin certificates. Set false to require a chain to an anchor for every partner.
    /// </summary>
    public bool AllowPinnedSelfSigned { get; set; } = true;

    /// <summary>Time allowed for one CRL download. Default 5 s.</summary>
    public TimeSpan CrlFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest CRL accepted, in bytes. Default 10 MiB.</summary>
    public int MaxCrlBytes { get; set; } = 10 * 1024 * 1024;
}
