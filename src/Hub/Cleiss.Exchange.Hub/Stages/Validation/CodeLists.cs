using System.Collections.Frozen;
using System.Text.Json;
using Cleiss.Exchange.Hub.Configuration;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>One code list: the elements it governs and its codes with English and French labels.</summary>
public sealed record CodeList(string Id, string Version, IReadOnlyList<string> Elements, FrozenDictionary<string, CodeLabel> Codes);

/// <summary>The labels of a code.</summary>
public sealed record CodeLabel(string En, string Fr);

/// <summary>
/// The code lists under <c>schemas/codelists/*.json</c>, indexed by the element local name they
/// govern (an element belongs to one list). Loaded once; lookups are frozen dictionaries.
/// </summary>
public sealed class CodeLists
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };
    private readonly FrozenDictionary<string, CodeList> _byElement;

    public CodeLists(IOptions<HubOptions> hub)
        : this(Path.Combine(hub.Value.SchemasDirectory, "codelists"))
    {
    }

    public CodeLists(string folder)
    {
        var byElement = new Dictionary<string, CodeList>(StringComparer.Ordinal);
        var lists = new List<CodeList>();
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"No code lists at {folder}: the hub refuses to run without them.");
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var raw = JsonSerializer.Deserialize<RawList>(File.ReadAllBytes(file), Json)
                ?? throw new InvalidOperationException($"{file} is empty.");
            var list = new CodeList(raw.Id, raw.Version, raw.Elements, raw.Codes.ToFrozenDictionary(StringComparer.Ordinal));
            lists.Add(list);
            foreach (var element in raw.Elements)
            {
                if (!byElement.TryAdd(element, list))
                {
                    throw new InvalidOperationException($"{file}: element '{element}' already belongs to code list '{byElement[element].Id}'.");
                }
            }
        }
        Lists = lists;
        _byElement = byElement.ToFrozenDictionary(StringComparer.Ordinal);
        var fingerprint = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join(',', lists.Select(l => $"{l.Id}@{l.Version}:{string.Join('|', l.Codes.Keys.Order(StringComparer.Ordinal))}"))));
        Version = $"{lists.Count} lists #{Convert.ToHexStringLower(fingerprint)[..8]}";
    }

    /// <summary>Every list.</summary>
    public IReadOnlyList<CodeList> Lists { get; }

    /// <summary>How many lists are loaded and a fingerprint of their ids, versions and codes, for the audit trail.</summary>
    public string Version { get; }

    /// <summary>The list governing an element, or null.</summary>
    public CodeList? ForElement(string localName) => _byElement.GetValueOrDefault(localName);

    private sealed record RawList(string Id, string Version, IReadOnlyList<string> Elements, Dictionary<string, CodeLabel> Codes);
}
