using System.Reflection;
using Cleiss.Exchange.Hub.Stages.Validation;

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
    public void Every_finding_code_is_documented_with_its_english_and_french_message()
    {
        var catalogue = File.ReadAllText(Path.Combine(Builders.RepositoryRoot, "docs", "errors.md"));
        var missing = FindingCatalogue.All.Keys.Where(code => !catalogue.Contains($"`{code}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "Not in docs/errors.md: " + string.Join(", ", missing));
        Assert.All(FindingCatalogue.All.Values, d =>
        {
            Assert.Matches(CodeShape(), d.Code);
            Assert.Contains("{0}", d.English, StringComparison.Ordinal);
            Assert.Contains("{0}", d.French, StringComparison.Ordinal);
            Assert.NotEqual(d.English, d.French);
        });
    }

    [Fact]
    public void Every_code_list_element_is_governed_once_and_every_code_has_both_labels()
    {
        Assert.NotEmpty(Builders.CodeLists.Lists);
        Assert.All(Builders.CodeLists.Lists, list => Assert.All(list.Codes, code =>
        {
            Assert.False(string.IsNullOrWhiteSpace(code.Value.En), $"{list.Id}/{code.Key} en");
            Assert.False(string.IsNullOrWhiteSpace(code.Value.Fr), $"{list.Id}/{code.Key} fr");
        }));
    }

    [Fact]
    public void Every_starter_and_reply_of_every_BUC_names_SED_types_and_every_EESSI_starter_list_BUC_is_covered()
    {
        string[] required =
        [
            "LA_BUC_01", "LA_BUC_02", "LA_BUC_03", "LA_BUC_04", "LA_BUC_05", "LA_BUC_06",
            "H_BUC_01", "H_BUC_02a", "H_BUC_02b", "H_BUC_02c", "H_BUC_03a", "H_BUC_03b", "H_BUC_04", "H_BUC_05", "H_BUC_06", "H_BUC_07", "H_BUC_08", "H_BUC_09", "H_BUC_10",
            "P_BUC_01", "P_BUC_02", "P_BUC_03", "P_BUC_04", "P_BUC_05", "P_BUC_06", "P_BUC_07", "P_BUC_08", "P_BUC_09", "P_BUC_10",
            "FB_BUC_01", "FB_BUC_02", "FB_BUC_03", "FB_BUC_04", "UB_BUC_01", "UB_BUC_02", "UB_BUC_03", "UB_BUC_04", "S_BUC_24", "R_BUC_01", "R_BUC_02", "R_BUC_03",
        ];
        Assert.All(required, buc => Assert.NotNull(Builders.Bucs.Find(buc)));
        Assert.All(Builders.Bucs.Bucs, buc => Assert.NotEmpty(buc.Starters));
        foreach (var admin in new[] { "X001", "X002", "X003", "X004", "X005", "X006", "X007", "X008", "X009", "X010", "X011", "X012", "X013", "X050" })
        {
            Assert.NotNull(Builders.Bucs.Administrative(admin));
        }
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
    public void Every_error_code_has_an_english_and_a_french_title()
    {
        Assert.All(ExchangeErrors.All.Values, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Title), d.Code);
            Assert.False(string.IsNullOrWhiteSpace(d.TitleFr), d.Code);
            Assert.NotEqual(d.Title, d.TitleFr);
        });
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
        var expected = Builders.InvalidSamples();
        var files = Directory.EnumerateFiles(folder, "*.xml").Select(Path.GetFileName).ToList();

        Assert.Equal(files.Order(StringComparer.Ordinal), expected.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected.Values, code => Assert.True(ExchangeErrors.All.ContainsKey(code) || FindingCatalogue.All.ContainsKey(code), code));
    }

    [Fact]
    public void Every_SED_type_of_the_pack_has_valid_samples_in_both_forms_of_the_set()
    {
        var pack = Assert.Single(Builders.Packs.Packs);
        var outbound = Builders.ValidXmlSamples("outbound").Select(f => f[..f.IndexOf('-', StringComparison.Ordinal)]).ToHashSet();
        Assert.Subset(outbound, pack.SedTypes.ToHashSet());
    }

    // The stage prefix may hold digits after its first letter: AS4.* (issue 5).
    [GeneratedRegex("^[A-Z][A-Z0-9]*\\.[A-Z0-9_]+$")]
    private static partial Regex CodeShape();
}
