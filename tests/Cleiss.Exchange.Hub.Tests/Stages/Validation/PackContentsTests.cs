using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation;

/// <summary>A pack is its schemas, code lists and BUC rules, versioned together: a document is checked with its own pack's.</summary>
public sealed class PackContentsTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly string _sed;

    public PackContentsTests()
    {
        var root = Path.Combine(Builders.RepositoryRoot, "schemas");
        _sed = Directory.CreateDirectory(Path.Combine(_folder.Path, "sed")).FullName;
        var pack = Directory.CreateDirectory(Path.Combine(_sed, "4.9")).FullName;
        foreach (var xsd in Directory.EnumerateFiles(Path.Combine(root, "sed", "4.4"), "*.xsd"))
        {
            var text = File.ReadAllText(xsd).Replace("/ns/4_4/", "/ns/4_9/", StringComparison.Ordinal);
            if (Path.GetFileName(xsd) == "common.xsd")
            {
                text = text.Replace("name=\"sedVer\" type=\"SedVersionType\" use=\"required\" fixed=\"4\"", "name=\"sedVer\" type=\"SedVersionType\" use=\"required\" fixed=\"9\"", StringComparison.Ordinal);
            }
            File.WriteAllText(Path.Combine(pack, Path.GetFileName(xsd)), text);
        }
        // The 4.9 pack's own code lists: the reference ones, except that typeDecision knows only "ZZ".
        var codeLists = Directory.CreateDirectory(Path.Combine(pack, "codelists")).FullName;
        foreach (var list in Directory.EnumerateFiles(Path.Combine(root, "codelists"), "*.json"))
        {
            File.Copy(list, Path.Combine(codeLists, Path.GetFileName(list)));
        }
        var typeDecision = JsonNode.Parse(File.ReadAllText(Path.Combine(codeLists, "typeDecision.json")))!;
        typeDecision["version"] = "4.9.0";
        typeDecision["codes"] = new JsonObject { ["ZZ"] = new JsonObject { ["en"] = "Test", ["fr"] = "Essai" } };
        File.WriteAllText(Path.Combine(codeLists, "typeDecision.json"), typeDecision.ToJsonString());
        File.WriteAllText(Path.Combine(pack, "pack.json"), new JsonObject
        {
            ["id"] = "test-4.9", ["version"] = "4.9.0", ["sedGVer"] = "4", ["sedVer"] = "9",
            ["namespacePrefix"] = "http://ec.europa.eu/eessi/ns/4_9/",
            ["sbdh"] = Path.Combine(root, "sbdh", "1.0", "sbdh.xsd"),
            ["seds"] = "*",
            ["codelists"] = "codelists",
            ["buc"] = Path.Combine(root, "buc"),
        }.ToJsonString());
    }

    public void Dispose() => _folder.Dispose();

    private static byte[] As49(string sample) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Builders.Sample(sample))
        .Replace("/ns/4_4/", "/ns/4_9/", StringComparison.Ordinal).Replace("sedVer=\"4\"", "sedVer=\"9\"", StringComparison.Ordinal));

    [Fact]
    public async Task A_document_is_checked_with_the_code_lists_of_its_own_pack()
    {
        var registry = new PackRegistry(_sed, NullLogger.Instance);
        var stage = new ValidationStage(registry, Builders.Rules);

        var withItsPack = Builders.Ingested(As49("valid/A002-outbound-1.xml"));
        var outcome = await stage.ExecuteAsync(withItsPack, CancellationToken.None);

        Assert.Equal(ExchangeErrors.ValidateRuleViolation, outcome.Error?.Code);
        Assert.Equal(FindingCatalogue.RuleCodeUnknown, Assert.Single(outcome.Error!.Findings!).Code);
        Assert.NotSame(registry.Packs.Single().CodeLists, Builders.CodeLists);
    }

    [Fact]
    public async Task The_reference_pack_records_the_fingerprint_of_its_code_lists_in_the_audit()
    {
        var context = Builders.Ingested(Builders.Sample("valid/A002-outbound-1.xml"));

        await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(BusinessRules.VersionWith(Builders.Packs.Packs.Single().CodeLists), context.Facts["rules"]);
        Assert.StartsWith("rules-1 (78 lists #", context.Facts["rules"], StringComparison.Ordinal);
    }
}
