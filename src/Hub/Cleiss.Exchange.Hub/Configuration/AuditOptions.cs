namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Signed checkpoints of the audit Merkle tree (<c>Hub:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Hub:Audit";

    /// <summary>Sign a checkpoint once this many entries are not yet covered by one. Default 1,000.</summary>
    public int CheckpointEveryEntries { get; set; } = 1000;

    /// <summary>Sign a checkpoint when entries have waited this long for one. Default 1 minute.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the checkpoint job looks (a few rows read when nothing is due). Default 2 s.</summary>
    public TimeSpan CheckpointPoll { get; set; } = TimeSpan.FromSeconds(2);
}
