using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>Liveness (the process answers) and readiness (store, packs, directory and key usable).</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithTags("Health");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).WithTags("Health");
    }
}

/// <summary>Ready when the store opens, packs and directory are loaded and the signing key is usable.</summary>
internal sealed class ReadinessCheck(IHubStore store, PackRegistry packs, InstitutionDirectory directory, SigningKeyStore keys) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
            _ = keys.Current;
            return HealthCheckResult.Healthy($"{packs.Packs.Count} pack(s), directory {directory.Version}");
        }
        catch (Exception ex) when (ex is HubStorageException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return HealthCheckResult.Unhealthy(ex.GetType().Name);
        }
    }
}
