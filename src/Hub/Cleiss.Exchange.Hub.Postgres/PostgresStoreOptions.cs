using System.ComponentModel.DataAnnotations;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>Where the PostgreSQL store is (cluster mode; not yet wired to <c>cleiss run --mode cluster</c>).</summary>
public sealed class PostgresStoreOptions
{
    public const string SectionName = "Hub:Postgres";

    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Port=5432;Username=hub;Password=…;Database=hub</c>. No default.</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;
}
