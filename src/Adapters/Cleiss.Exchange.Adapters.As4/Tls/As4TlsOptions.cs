namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>
/// Mutual TLS between access points (<c>Hub:As4:Tls</c>, issue 5, ADR 0011). The server side is an extra HTTPS
/// listener that serves only <c>/as4</c> and requires a client certificate registered for an access point; the
/// client side (P-Mode URLs in https) always presents the hub's certificate and pins the partner's.
/// </summary>
public sealed class As4TlsOptions
{
    public const string SectionName = "Hub:As4:Tls";

    /// <summary>Open the mutual-TLS listener for <c>/as4</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where the mutual-TLS listener binds: an https URL with an IP address and a port, e.g.
    /// <c>https://0.0.0.0:8443</c>; port 0 picks a free one (tests). Default <c>https://127.0.0.1:8443</c>.
    /// </summary>
    public string Url { get; set; } = "https://127.0.0.1:8443";

    /// <summary>
    /// When the listener is enabled, refuse <c>/as4</c> on every other (plain HTTP) listener with an ebMS
    /// FailedAuthentication error. Default true; false only while partners migrate to mutual TLS.
    /// </summary>
    public bool Required { get; set; } = true;

    /// <summary>
    /// The TLS certificate (PEM, or PKCS#12 when it ends in <c>.p12</c>/<c>.pfx</c>). Default: none, the access
    /// point's current signing certificate and key from the signing key store are used. Its CN must be the hub's
    /// access point id (partners register it under that name).
    /// </summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key file of a PEM <see cref="Certificate"/>.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Password of the PKCS#12 file or the encrypted PEM key. Prefer <see cref="PasswordEnvironmentVariable"/>.</summary>
    public string? Password { get; set; }

    /// <summary>The environment variable holding the password.</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>Longest TLS handshake accepted on the listener. Default 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
