using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Routing;

/// <summary>An access point of the directory.</summary>
public sealed record AccessPointEntry(string Id, string Country, string Name, string? Endpoint);

/// <summary>What an institution may do for one BUC type.</summary>
public sealed record Competence(string Buc, IReadOnlyList<string> Roles, DateOnly? ValidFrom, DateOnly? ValidTo);

/// <summary>An institution of the directory.</summary>
public sealed record InstitutionEntry(string Id, string Country, string Name, string AccessPoint, IReadOnlyList<Competence> Competences)
{
    /// <summary>The competence for a BUC in a role at a date, or null (runs per message).</summary>
    public Competence? FindCompetence(string buc, string role, DateOnly date)
    {
        foreach (var competence in Competences)
        {
            if (competence.Buc == buc
                && competence.Roles.Contains(role)
                && (competence.ValidFrom is null || competence.ValidFrom <= date)
                && (competence.ValidTo is null || date <= competence.ValidTo))
            {
                return competence;
            }
        }
        return null;
    }
}

/// <summary>The content of a directory file in the hub's format (schemas/ir/README.md).</summary>
public sealed record DirectoryFile(string Version, IReadOnlyList<AccessPointEntry> AccessPoints, IReadOnlyList<InstitutionEntry> Institutions);

/// <summary>
/// The institution repository (IR) as the hub knows it, loaded once from the hub's own format
/// (<c>schemas/ir/directory.json</c>, documented in schemas/ir/README.md) into frozen lookup tables.
/// </summary>
public sealed class InstitutionDirectory
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    private readonly FrozenDictionary<string, InstitutionEntry> _institutions;
    private readonly FrozenDictionary<string, AccessPointEntry> _accessPoints;

    public InstitutionDirectory(IOptions<HubOptions> hub, IOptions<RoutingOptions> routing, ILogger<InstitutionDirectory> logger)
        : this(routing.Value.DirectoryFile ?? Path.Combine(hub.Value.SchemasDirectory, "ir", "directory.json"))
    {
        Log.DirectoryLoaded(logger, Version, _institutions.Count, _accessPoints.Count);
    }

    /// <summary>Loads a directory file in the hub's format.</summary>
    public InstitutionDirectory(string path)
        : this(JsonSerializer.Deserialize<DirectoryFile>(File.ReadAllBytes(path), JsonOptions) ?? throw new InvalidOperationException($"{path} is empty."), path)
    {
    }

    /// <summary>Builds a directory from its content (e.g. imported from another format).</summary>
    public InstitutionDirectory(DirectoryFile content, string source)
    {
        Version = content.Version;
        _accessPoints = content.AccessPoints.ToFrozenDictionary(a => a.Id, StringComparer.Ordinal);
        foreach (var institution in content.Institutions)
        {
            if (!_accessPoints.ContainsKey(institution.AccessPoint))
            {
                throw new InvalidOperationException($"{source}: institution {institution.Id} names unknown access point {institution.AccessPoint}.");
            }
        }
        _institutions = content.Institutions.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal);
    }

    /// <summary>Writes a directory in the hub's format.</summary>
    public static void Write(DirectoryFile content, Stream output) => JsonSerializer.Serialize(output, content, WriteOptions);

    private static readonly JsonSerializerOptions WriteOptions = new(JsonOptions) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The directory version, recorded in routing decisions.</summary>
    public string Version { get; }

    /// <summary>Every institution.</summary>
    public IEnumerable<InstitutionEntry> Institutions => _institutions.Values;

    /// <summary>Finds an institution.</summary>
    public InstitutionEntry? FindInstitution(string id) => _institutions.GetValueOrDefault(id);

    /// <summary>Finds an access point.</summary>
    public AccessPointEntry? FindAccessPoint(string id) => _accessPoints.GetValueOrDefault(id);


}
