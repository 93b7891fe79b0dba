namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>How case timers are applied.</summary>
public sealed class CaseOptions
{
    public const string SectionName = "Hub:Cases";

    /// <summary>How often due case timers are looked for. Default 1 minute.</summary>
    public TimeSpan TimerSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
