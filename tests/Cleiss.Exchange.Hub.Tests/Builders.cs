using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests;

/// <summary>The one place tests get their data and parts from.</summary>
internal static class Builders
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static readonly Lazy<PackRegistry> SharedPacks = new(() => new PackRegistry(Path.Combine(RepositoryRoot, "schemas", "sed"), NullLogger.Instance));
    private static readonly Lazy<InstitutionDirectory> SharedDirectory = new(() => new InstitutionDirectory(Path.Combine(RepositoryRoot, "schemas", "ir", "directory.json")));

    public static string Samples => Path.Combine(RepositoryRoot, "schemas", "samples");

    public static PackRegistry Packs => SharedPacks.Value;

    public static InstitutionDirectory Directory => SharedDirectory.Value;

    public static CodeLists CodeLists { get; } = new(Path.Combine(RepositoryRoot, "schemas", "codelists"));

    public static BusinessRules Rules { get; } = new(SharedDirectory.Value, CodeLists);

    public static BucRules Bucs { get; } = new(Path.Combine(RepositoryRoot, "schemas", "buc"));

    /// <summary>The validate stage without case rules (documents checked on their own).</summary>
    public static ValidationStage Validator() => new(Packs, Rules);

    public static IOptions<IntakeOptions> Limits(Action<IntakeOptions>? change = null)
    {
        var options = new IntakeOptions();
        change?.Invoke(options);
        return Options.Create(options);
    }

    public static IOptions<HubOptions> Hub(string? dataDirectory = null, string accessPointId = "FR:AP0001") =>
        Options.Create(new HubOptions { DataDirectory = dataDirectory ?? "unused", AccessPointId = accessPointId, SchemasDirectory = Path.Combine(RepositoryRoot, "schemas") });

    /// <summary>Every invalid sample with its expected code, from all <c>samples/invalid/expected*.json</c> manifests.</summary>
    public static IReadOnlyDictionary<string, string> InvalidSamples()
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var manifest in System.IO.Directory.EnumerateFiles(Path.Combine(Samples, "invalid"), "expected*.json"))
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(manifest));
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                all.Add(entry.Name, entry.Value.GetString()!);
            }
        }
        return all;
    }

    public static byte[] Sample(string relativePath) => File.ReadAllBytes(Path.Combine(Samples, relativePath));

    public static IEnumerable<string> ValidXmlSamples(string direction) =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Samples, "valid"), $"*-{direction}-*.xml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>Parses a document through the ingest stage, as the hub does.</summary>
    public static ExchangeContext Ingested(byte[] bytes, Direction direction = Direction.Outbound)
    {
        var context = new ExchangeContext(Guid.NewGuid(), direction, bytes);
        var outcome = new IngestStage(direction, Limits()).ExecuteAsync(context, CancellationToken.None).AsTask().Result;
        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
        return context;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A signing key for an access point, created in a temporary folder.</summary>
    public static SigningCredentials Key(TempDirectory folder, string accessPointId) =>
        new SigningKeyStore(Hub(Path.Combine(folder.Path, accessPointId.Replace(':', '_')), accessPointId), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cleiss.Exchange.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cleiss.Exchange.sln not found above the test binaries.");
    }
}

/// <summary>A fresh folder per test, removed afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cleiss-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
