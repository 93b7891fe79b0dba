using System.ComponentModel.DataAnnotations;

namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Where the hub keeps its state and who it is.</summary>
public sealed class HubOptions
{
    public const string SectionName = "Hub";

    /// <summary>Folder for the embedded store, keys and trust store. Default <c>./data</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Folder holding the validation packs and the directory. Default: <c>schemas</c> beside the binaries.</summary>
    [Required]
    public string SchemasDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "schemas");

    /// <summary>The directory id of this hub's own access point. Default <c>FR:AP0001</c>.</summary>
    [Required, RegularExpression("^[A-Z]{2}:[A-Za-z0-9]{4,10}$")]
    public string AccessPointId { get; set; } = "FR:AP0001";

    /// <summary>The embedded mode (one process, SQLite).</summary>
    public const string EmbeddedMode = "embedded";

    /// <summary>The cluster mode (several nodes on PostgreSQL and Kafka: <c>Hub:Postgres</c>, <c>Hub:Kafka</c>).</summary>
    public const string ClusterMode = "cluster";

    /// <summary><c>embedded</c> (default: one process, SQLite under the data folder) or <c>cluster</c> (PostgreSQL and Kafka, several nodes).</summary>
    [Required, RegularExpression("^(embedded|cluster)$")]
    public string Mode { get; set; } = EmbeddedMode;

    /// <summary>Number of partitions of the store's stage log (delivery lanes; order is kept per case). Default 16 (ADR 0017).</summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 16;

    /// <summary>Country served by this hub (ISO code as used by EESSI). Default <c>FR</c>.</summary>
    public string Country => AccessPointId[..2];
}
