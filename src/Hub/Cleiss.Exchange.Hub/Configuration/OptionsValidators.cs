using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Configuration;

[OptionsValidator]
internal sealed partial class HubOptionsValidator : IValidateOptions<HubOptions>;

[OptionsValidator]
internal sealed partial class IntakeOptionsValidator : IValidateOptions<IntakeOptions>;

/// <summary>Checks dispatch timings that DataAnnotations cannot express.</summary>
internal sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        if (options.MaxAttempts is < 1 or > 100)
        {
            return ValidateOptionsResult.Fail("Hub:Dispatch:MaxAttempts must be between 1 and 100.");
        }
        if (options.InitialBackoff <= TimeSpan.Zero || options.MaxBackoff < options.InitialBackoff)
        {
            return ValidateOptionsResult.Fail("Hub:Dispatch backoff must be positive and MaxBackoff >= InitialBackoff.");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Hub:Dispatch:Timeout must be positive.");
        }
        if (options.Jitter is < 0 or > 0.5 || options.MaxConcurrentPerPartner is < 1 or > 256)
        {
            return ValidateOptionsResult.Fail("Hub:Dispatch:Jitter must be 0–0.5 and MaxConcurrentPerPartner 1–256.");
        }
        if (options.BreakerFailureRatio is <= 0 or > 1 || options.BreakerMinimumThroughput < 2
            || options.BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || options.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            return ValidateOptionsResult.Fail("Hub:Dispatch breaker: FailureRatio in (0, 1], MinimumThroughput ≥ 2, SamplingDuration and BreakDuration ≥ 500 ms.");
        }
        return ValidateOptionsResult.Success;
    }
}

/// <summary>Checks that every endpoint override is an absolute http(s) URL.</summary>
internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        foreach (var entry in options.EndpointOverrides)
        {
            if (string.IsNullOrWhiteSpace(entry.AccessPointId))
            {
                return ValidateOptionsResult.Fail("Every Hub:Routing:EndpointOverrides entry needs an AccessPointId.");
            }
            if (!Uri.TryCreate(entry.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                return ValidateOptionsResult.Fail($"The endpoint override of {entry.AccessPointId} is not an absolute http(s) URL.");
            }
        }
        return ValidateOptionsResult.Success;
    }
}
