using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cleiss.Exchange.Hub.Configuration;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>A SED's place in a BUC: the parent types it may reply to (<c>*</c> = any document of the case).</summary>
public sealed record BucSed
{
    public IReadOnlyList<string> ReplyTo { get; init; } = [];
}

/// <summary>A timer: close the case N days after one of the listed SEDs.</summary>
public sealed record BucTimer
{
    public IReadOnlyList<string> After { get; init; } = [];

    public int CloseAfterDays { get; init; }
}

/// <summary>One BUC's flow.</summary>
public sealed record BucDefinition
{
    public required string Id { get; init; }

    public string Title { get; init; } = string.Empty;

    public IReadOnlyList<string> Starters { get; init; } = [];

    public IReadOnlyDictionary<string, BucSed> Seds { get; init; } = new Dictionary<string, BucSed>();

    public IReadOnlyList<string> Administrative { get; init; } = [];

    public IReadOnlyList<BucTimer> Timers { get; init; } = [];
}

/// <summary>What an administrative SED does to a case.</summary>
public sealed record AdministrativeSed
{
    /// <summary>close, reopen, add-participant, remove-participant, forward, invalidate, reject or none.</summary>
    public string Effect { get; init; } = "none";

    /// <summary>The case status it needs: open (default) or closed.</summary>
    public string Requires { get; init; } = "open";

    public IReadOnlyList<string> ReplyTo { get; init; } = [];

    /// <summary>For participant effects: where the institution id is, relative to the SED root.</summary>
    public string? ParticipantPath { get; init; }
}

/// <summary>
/// The case rules, as data: one file per BUC family under <c>schemas/buc/</c> plus
/// <c>administrative.json</c> for the X SEDs (format in schemas/buc/README.md).
/// </summary>
public sealed class BucRules
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private readonly FrozenDictionary<string, BucDefinition> _bucs;
    private readonly FrozenDictionary<string, AdministrativeSed> _administrative;

    public BucRules(IOptions<HubOptions> hub)
        : this(Path.Combine(hub.Value.SchemasDirectory, "buc"))
    {
    }

    public BucRules(string folder)
    {
        var bucs = new Dictionary<string, BucDefinition>(StringComparer.Ordinal);
        var administrative = new Dictionary<string, AdministrativeSed>(StringComparer.Ordinal);
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                using var stream = File.OpenRead(file);
                if (Path.GetFileName(file) == "administrative.json")
                {
                    var admin = JsonSerializer.Deserialize<AdministrativeFile>(stream, Json) ?? throw new InvalidOperationException($"{file} is empty.");
                    foreach (var (type, rule) in admin.Seds)
                    {
                        administrative[type] = rule;
                    }
                    continue;
                }
                var family = JsonSerializer.Deserialize<FamilyFile>(stream, Json) ?? throw new InvalidOperationException($"{file} is empty.");
                foreach (var buc in family.Bucs)
                {
                    if (!bucs.TryAdd(buc.Id, buc))
                    {
                        throw new InvalidOperationException($"{file}: {buc.Id} is defined twice.");
                    }
                }
            }
        }
        if (bucs.Count == 0)
        {
            throw new InvalidOperationException($"No BUC rules under {folder}: the hub refuses to run without case rules.");
        }
        _bucs = bucs.ToFrozenDictionary(StringComparer.Ordinal);
        _administrative = administrative.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every BUC defined.</summary>
    public IEnumerable<BucDefinition> Bucs => _bucs.Values;

    /// <summary>A BUC's definition, or null (unknown BUCs are refused: fail closed).</summary>
    public BucDefinition? Find(string buc) => _bucs.GetValueOrDefault(buc);

    /// <summary>The rule of an administrative SED, or null.</summary>
    public AdministrativeSed? Administrative(string sedType) => _administrative.GetValueOrDefault(sedType);

    private sealed record FamilyFile(string Family, IReadOnlyList<BucDefinition> Bucs);

    private sealed record AdministrativeFile(Dictionary<string, AdministrativeSed> Seds);
}
