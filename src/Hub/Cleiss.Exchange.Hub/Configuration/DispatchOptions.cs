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

    /// <summary>Timeout of one exchange with a partner. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
