using System.Collections.Frozen;
using System.Text.Json;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// Loads every validation pack under <c>schemas/sed/*/pack.json</c> at start and finds the pack for a
/// SED from its namespace and <c>sedGVer</c>/<c>sedVer</c>. No pack, no validation: fail closed.
/// </summary>
public sealed class PackRegistry
{
    private readonly FrozenDictionary<string, ValidationPack> _byNamespace;

    public PackRegistry(IOptions<HubOptions> options, ILogger<PackRegistry> logger, IOptions<ValidationOptions>? validation = null)
        : this(Path.Combine(options.Value.SchemasDirectory, "sed"), logger, validation?.Value.OfficialPacksDirectory)
    {
    }

    internal PackRegistry(string sedFolder, ILogger logger, string? officialFolder = null)
    {
        // Packs that name the same code-list or BUC folder share one loaded copy.
        var codeLists = new Dictionary<string, CodeLists>(StringComparer.Ordinal);
        var bucs = new Dictionary<string, BucRules>(StringComparer.Ordinal);
        CodeLists CodeListsAt(string folder) => codeLists.TryGetValue(folder, out var loaded) ? loaded : codeLists[folder] = new CodeLists(folder);
        BucRules BucsAt(string folder) => bucs.TryGetValue(folder, out var loaded) ? loaded : bucs[folder] = new BucRules(folder);
        var defaultCodeLists = Path.GetFullPath(Path.Combine(sedFolder, "..", "codelists"));
        var defaultBucs = Path.GetFullPath(Path.Combine(sedFolder, "..", "buc"));
        var byNamespace = new Dictionary<string, ValidationPack>(StringComparer.Ordinal);
        var packs = new List<ValidationPack>();
        if (Directory.Exists(sedFolder))
        {
            foreach (var manifest in Directory.EnumerateFiles(sedFolder, "pack.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var pack = Load(manifest, defaultCodeLists, defaultBucs, CodeListsAt, BucsAt);
                packs.Add(pack);
                foreach (var sed in pack.SedTypes)
                {
                    byNamespace[pack.NamespacePrefix + sed] = pack;
                }
                Log.PackLoaded(logger, pack.Label, pack.SedTypes.Count);
            }
        }
        if (officialFolder is not null)
        {
            foreach (var pack in LoadOfficial(officialFolder, Path.Combine(sedFolder, "..", "sbdh"), CodeListsAt(defaultCodeLists), BucsAt(defaultBucs)))
            {
                packs.Add(pack);
                foreach (var sed in pack.SedTypes)
                {
                    // An official pack takes precedence over a reference pack of the same version.
                    byNamespace[pack.NamespacePrefix + sed] = pack;
                }
                Log.PackLoaded(logger, pack.Label, pack.SedTypes.Count);
            }
        }
        if (packs.Count == 0)
        {
            throw new InvalidOperationException($"No validation pack found under {sedFolder}: the hub refuses to run without one.");
        }
        Packs = packs;
        _byNamespace = byNamespace.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The loaded packs.</summary>
    public IReadOnlyList<ValidationPack> Packs { get; }

    /// <summary>
    /// The pack for a document, read from its SED element's namespace and version without parsing
    /// the rest (runs per message; null when the document does not get that far, which the full
    /// parse then reports).
    /// </summary>
    public ValidationPack? Peek(ReadOnlyMemory<byte> bytes, IntakeOptions limits)
    {
        try
        {
            var settings = Internal.HardenedXml.ReaderSettings(limits);
            using var reader = XmlReader.Create(new Internal.ReadOnlyMemoryStream(bytes), settings);
            reader.MoveToContent(); // the envelope
            reader.Read();
            var elementsAtDepthOne = 0;
            while (!reader.EOF)
            {
                if (reader is { NodeType: XmlNodeType.Element, Depth: 1 })
                {
                    if (++elementsAtDepthOne == 2)
                    {
                        return Find(reader.NamespaceURI, reader.GetAttribute("sedGVer"), reader.GetAttribute("sedVer"));
                    }
                    reader.Skip(); // the header: not needed here
                    continue;
                }
                reader.Read();
            }
        }
        catch (XmlException)
        {
        }
        return null;
    }

    /// <summary>Finds the pack for a SED root element, or null.</summary>
    public ValidationPack? Find(string sedNamespace, string? sedGVer, string? sedVer) =>
        _byNamespace.TryGetValue(sedNamespace, out var pack) && pack.SedGVer == sedGVer && pack.SedVer == sedVer ? pack : null;

    private static ValidationPack Load(string manifestPath, string defaultCodeLists, string defaultBucs, Func<string, CodeLists> codeListsAt, Func<string, BucRules> bucsAt)
    {
        var folder = Path.GetDirectoryName(manifestPath)!;
        using var json = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var root = json.RootElement;
        string Required(string name) => root.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidOperationException($"{manifestPath}: '{name}' is missing.");

        // Includes resolve inside the schemas folder (the pack's grandparent) only.
        var schemas = new XmlSchemaSet { XmlResolver = new LocalFolderResolver(Path.Combine(folder, "..", "..")) };
        AddSchema(schemas, Path.GetFullPath(Path.Combine(folder, Required("sbdh"))));
        var types = new HashSet<string>(StringComparer.Ordinal);
        var seds = root.GetProperty("seds");
        if (seds.ValueKind == JsonValueKind.String && seds.GetString() == "*")
        {
            // Every <SED>.xsd beside the manifest, except shared include files (lowercase names).
            foreach (var file in Directory.EnumerateFiles(folder, "*.xsd").Order(StringComparer.Ordinal))
            {
                var type = Path.GetFileNameWithoutExtension(file);
                if (type.Length > 0 && char.IsAsciiLetterUpper(type[0]))
                {
                    AddSchema(schemas, Path.GetFullPath(file));
                    types.Add(type);
                }
            }
        }
        else
        {
            foreach (var sed in seds.EnumerateObject())
            {
                AddSchema(schemas, Path.GetFullPath(Path.Combine(folder, sed.Value.GetString()!)));
                types.Add(sed.Name);
            }
        }
        schemas.Compile();
        string Folder(string name, string fallback) => root.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } relative
            ? Path.GetFullPath(Path.Combine(folder, relative))
            : fallback;
        return new ValidationPack(Required("id"), Required("version"), Required("sedGVer"), Required("sedVer"), Required("namespacePrefix"), schemas, types.ToFrozenSet(StringComparer.Ordinal),
            codeListsAt(Folder("codelists", defaultCodeLists)), bucsAt(Folder("buc", defaultBucs)));
    }

    /// <summary>
    /// Official packs, unmodified: the SED schemas are recognised by their target namespace
    /// (<c>…/ns/&lt;G&gt;_&lt;V&gt;/&lt;SED&gt;</c>) and grouped by version; files they include resolve inside the folder.
    /// </summary>
    /// <remarks>Official packs bring XSDs only: their code lists and BUC rules are the reference ones.</remarks>
    private static IEnumerable<ValidationPack> LoadOfficial(string folder, string referenceSbdhFolder, CodeLists codeLists, BucRules bucs)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"Hub:Validation:OfficialPacksDirectory {folder} does not exist.");
        }
        var byVersion = new SortedDictionary<string, (string Prefix, List<(string Type, string Path)> Seds)>(StringComparer.Ordinal);
        string? sbdh = null;
        foreach (var file in Directory.EnumerateFiles(folder, "*.xsd", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var target = TargetNamespace(file);
            if (target == Ingest.SbdhReader.Namespace)
            {
                sbdh ??= file;
                continue;
            }
            var match = System.Text.RegularExpressions.Regex.Match(target ?? string.Empty, "^(?<prefix>.*/ns/(?<g>[0-9]+)_(?<v>[0-9]+)/)(?<sed>[A-Z]+[0-9]+)$");
            if (!match.Success)
            {
                continue; // an included type library or something else: resolved through the includes
            }
            var version = $"{match.Groups["g"].Value}.{match.Groups["v"].Value}";
            if (!byVersion.TryGetValue(version, out var entry))
            {
                byVersion[version] = entry = (match.Groups["prefix"].Value, []);
            }
            entry.Seds.Add((match.Groups["sed"].Value, file));
        }
        sbdh ??= Directory.EnumerateFiles(referenceSbdhFolder, "*.xsd", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        foreach (var (version, (prefix, seds)) in byVersion)
        {
            var schemas = new XmlSchemaSet { XmlResolver = new LocalFolderResolver(folder, Path.GetDirectoryName(Path.GetFullPath(sbdh))!) };
            AddSchema(schemas, Path.GetFullPath(sbdh));
            foreach (var (_, path) in seds)
            {
                AddSchema(schemas, Path.GetFullPath(path));
            }
            schemas.Compile();
            var parts = version.Split('.');
            yield return new ValidationPack($"official-{version}", version, parts[0], parts[1], prefix, schemas,
                seds.Select(s => s.Type).ToFrozenSet(StringComparer.Ordinal), codeLists, bucs);
        }
    }

    private static string? TargetNamespace(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        reader.MoveToContent();
        return reader.GetAttribute("targetNamespace");
    }

    private static void AddSchema(XmlSchemaSet set, string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(path, settings);
        var schema = XmlSchema.Read(reader, (_, e) => throw new InvalidOperationException($"{path}: {e.Message}"))!;
        schema.SourceUri = new Uri(path).AbsoluteUri;
        set.Add(schema);
    }

    /// <summary>Resolves xs:include/xs:import only to files inside the schemas folder (never the network).</summary>
    private sealed class LocalFolderResolver(string root, string? alsoAllowed = null) : XmlUrlResolver
    {
        private readonly string _root = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        private readonly string? _also = alsoAllowed is null ? null : Path.GetFullPath(alsoAllowed) + Path.DirectorySeparatorChar;

        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            var path = absoluteUri.IsFile ? Path.GetFullPath(absoluteUri.LocalPath) : null;
            if (path is null || !(path.StartsWith(_root, StringComparison.Ordinal) || (_also is not null && path.StartsWith(_also, StringComparison.Ordinal))))
            {
                throw new XmlException($"Schema reference outside the schemas folder refused: {absoluteUri}");
            }
            return base.GetEntity(absoluteUri, role, ofObjectToReturn);
        }
    }
}
