using System.ComponentModel.DataAnnotations;

namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>How outbound documents are handed to partner access points.</summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Hub:Dispatch";

    /// <summary>Attempts before a document is dead-lettered. Default 5.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; doubles each time. Default 500 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound on the delay between retries. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How documents travel: <c>http</c> (default: the plain-HTTP exchange with the hub's signed receipts) or
    /// <c>as4</c> (an ebMS3/AS4 user message per document, per the partner's P-Mode in <c>Hub:As4:PModes</c>).
    /// </summary>
    [RegularExpression("^(http|as4)$")]
    public string Transport { get; set; } = "http";

    /// <summary>Random spread of each retry wait, ± this fraction (so retries of many documents do not arrive together). Default 0.2.</summary>
    [Range(0.0, 0.5)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>Exchanges in flight with one partner access point at most; more wait their turn. Default 4.</summary>
    [Range(1, 256)]
    public int MaxConcurrentPerPartner { get; set; } = 4;

    /// <summary>The per-partner circuit breaker: opens when this fraction of the exchanges in the sampling window failed. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>…counting only once this many exchanges were seen in the window. Default 5.</summary>
    [Range(2, 1000)]
    public int BreakerMinimumThroughput { get; set; } = 5;

    /// <summary>The breaker's sampling window. Default 30 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open (no exchange tried) before one trial. Default 30 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one exchange with a partner. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
