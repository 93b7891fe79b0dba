using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Hosting;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// Opens the store, loads the validation packs and the directory, and opens (or creates) the
/// signing key before anything else starts, the web server included: a broken configuration
/// fails the boot instead of the first document.
/// </summary>
public sealed class HubStartup(IHubStore store, PackRegistry packs, InstitutionDirectory directory, SigningKeyStore keys) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        _ = packs.Packs;
        _ = directory.Version;
        _ = keys.Current;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
