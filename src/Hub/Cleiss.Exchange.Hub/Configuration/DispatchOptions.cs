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

    /// <summary>Timeout of one exchange with a partner. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
