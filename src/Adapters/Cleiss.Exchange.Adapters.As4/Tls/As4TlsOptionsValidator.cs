using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>Checks <see cref="As4TlsOptions"/> at start (the certificate itself is checked once they are valid, as the host starts).</summary>
public sealed class As4TlsOptionsValidator : IValidateOptions<As4TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, As4TlsOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled && (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps
            || url.AbsolutePath != "/" || !System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out _)))
        {
            failures.Add($"{As4TlsOptions.SectionName}:Url must be https://<IP address>:<port> (no path), e.g. https://0.0.0.0:8443.");
        }
        if (options.Certificate is { Length: > 0 } certificate)
        {
            var pkcs12 = Path.GetExtension(certificate).ToLowerInvariant() is ".p12" or ".pfx";
            if (!pkcs12 && string.IsNullOrEmpty(options.PrivateKey))
            {
                failures.Add($"{As4TlsOptions.SectionName}:PrivateKey is required with a PEM Certificate.");
            }
        }
        else if (!string.IsNullOrEmpty(options.PrivateKey))
        {
            failures.Add($"{As4TlsOptions.SectionName}:PrivateKey is set without a Certificate.");
        }
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.HandshakeTimeout > TimeSpan.FromMinutes(2))
        {
            failures.Add($"{As4TlsOptions.SectionName}:HandshakeTimeout must be positive and at most 2 minutes.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
