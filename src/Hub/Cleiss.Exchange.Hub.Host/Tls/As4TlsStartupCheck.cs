using Cleiss.Exchange.Adapters.As4.Tls;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>
/// Checks the mutual-TLS certificate when the hub starts, after the options are validated and before Kestrel binds
/// (Kestrel reads its endpoints when the app is built, too early to fail with a clear message): when the listener is
/// enabled, and whenever a certificate is configured (the sending side presents it even without the listener).
/// </summary>
internal sealed class As4TlsStartupCheck(IOptions<As4TlsOptions> options, As4TlsIdentity identity) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled || !string.IsNullOrEmpty(options.Value.Certificate))
        {
            identity.Check();
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
