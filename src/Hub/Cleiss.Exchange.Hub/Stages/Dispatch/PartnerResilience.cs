using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Cleiss.Exchange.Hub.Stages.Dispatch;

/// <summary>
/// One Polly pipeline per partner access point around the exchange (runs per message): a concurrency limit
/// (<see cref="DispatchOptions.MaxConcurrentPerPartner"/> in flight, the rest wait their turn) and a circuit breaker
/// that opens when too many exchanges with that partner fail (unreachable, timeout, 5xx/408/429): while it is open no
/// exchange is tried and the dispatch stage schedules a retry at once, so a partner that is down costs no timeouts, and
/// after <see cref="DispatchOptions.BreakerBreakDuration"/> one trial exchange decides whether it closes. Other partners
/// have their own pipelines and are not affected.
/// </summary>
public sealed class PartnerResilience(IOptions<DispatchOptions> options, TimeProvider time, ILogger<PartnerResilience> logger)
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline<PartnerResponse>> _pipelines = new(StringComparer.Ordinal);

    /// <summary>The pipeline of one partner access point.</summary>
    public ResiliencePipeline<PartnerResponse> For(string accessPointId) => _pipelines.GetOrAdd(accessPointId, Build);

    /// <summary>True when an exchange outcome counts as a failure of the partner for the breaker.</summary>
    public static bool IsFailure(Outcome<PartnerResponse> outcome) => outcome.Exception switch
    {
        HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => true, // the exchange's own timeout (the caller's cancellation ends the run first)
        null => outcome.Result is { } response && (response.StatusCode >= 500 || response.StatusCode is 408 or 429),
        _ => false,
    };

    private ResiliencePipeline<PartnerResponse> Build(string accessPointId)
    {
        var settings = options.Value;
        return new ResiliencePipelineBuilder<PartnerResponse> { TimeProvider = time }
            .AddConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = settings.MaxConcurrentPerPartner, QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PartnerResponse>
            {
                FailureRatio = settings.BreakerFailureRatio,
                MinimumThroughput = settings.BreakerMinimumThroughput,
                SamplingDuration = settings.BreakerSamplingDuration,
                BreakDuration = settings.BreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
                OnOpened = args =>
                {
                    Log.CircuitOpened(logger, accessPointId, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(logger, accessPointId);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
