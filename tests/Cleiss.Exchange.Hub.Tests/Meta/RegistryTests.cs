using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cleiss.Exchange.Hub.Tests.Meta;

/// <summary>Guards the registries: error codes, event ids, sample manifests.</summary>
public sealed partial class RegistryTests
{
    [Fact]
    public void Every_error_code_is_documented_in_the_catalogue()
    {
        var catalogue = File.ReadAllText(Path.Combine(Builders.RepositoryRoot, "docs", "errors.md"));
        var missing = ExchangeErrors.All.Keys.Where(code => !catalogue.Contains($"`{code}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "Not in docs/errors.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_error_code_constant_is_in_the_catalogue_and_well_formed()
    {
        var constants = typeof(ExchangeErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.All(constants, code => Assert.Matches(CodeShape(), code));
        Assert.Equal(constants.Order(StringComparer.Ordinal), ExchangeErrors.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Log_event_ids_are_unique()
    {
        var type = typeof(ExchangeErrors).Assembly.GetType("Cleiss.Exchange.Hub.Diagnostics.HubEventIds")!;
        var ids = type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Select(f => (int)f.GetRawConstantValue()!).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Every_invalid_sample_has_an_expected_code_and_every_expected_code_is_catalogued()
    {
        var folder = Path.Combine(Builders.Samples, "invalid");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "expected.json")));
        var expected = manifest.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var files = Directory.EnumerateFiles(folder, "*.xml").Select(Path.GetFileName).ToList();

        Assert.Equal(files.Order(StringComparer.Ordinal), expected.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected.Values, code => Assert.True(ExchangeErrors.All.ContainsKey(code), code));
    }

    [Fact]
    public void Every_SED_type_of_the_pack_has_valid_samples_in_both_forms_of_the_set()
    {
        var pack = Assert.Single(Builders.Packs.Packs);
        var outbound = Builders.ValidXmlSamples("outbound").Select(f => f[..f.IndexOf('-', StringComparison.Ordinal)]).ToHashSet();
        Assert.Subset(outbound, pack.SedTypes.ToHashSet());
    }

    [GeneratedRegex("^[A-Z]+\\.[A-Z0-9_]+$")]
    private static partial Regex CodeShape();
}
