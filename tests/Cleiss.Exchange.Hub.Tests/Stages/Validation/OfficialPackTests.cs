using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation;

/// <summary>
/// Official CDM packs are loaded unmodified from a configured folder. The official XSDs are not public,
/// so the test builds a stand-in: the reference 4.4 schemas re-versioned as 4.3, laid out as a plain
/// folder of XSDs with no pack manifest, which is what an operator would drop in.
/// </summary>
public sealed class OfficialPackTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public OfficialPackTests()
    {
        var target = Directory.CreateDirectory(Path.Combine(_folder.Path, "cdm", "4.3")).FullName;
        foreach (var xsd in Directory.EnumerateFiles(Path.Combine(Builders.RepositoryRoot, "schemas", "sed", "4.4"), "*.xsd"))
        {
            var text = File.ReadAllText(xsd).Replace("/ns/4_4/", "/ns/4_3/", StringComparison.Ordinal);
            if (Path.GetFileName(xsd) == "common.xsd")
            {
                text = text.Replace("name=\"sedVer\" type=\"SedVersionType\" use=\"required\" fixed=\"4\"", "name=\"sedVer\" type=\"SedVersionType\" use=\"required\" fixed=\"3\"", StringComparison.Ordinal);
            }
            File.WriteAllText(Path.Combine(target, Path.GetFileName(xsd)), text);
        }
    }

    public void Dispose() => _folder.Dispose();

    private PackRegistry Registry() => new(Path.Combine(Builders.RepositoryRoot, "schemas", "sed"), NullLogger.Instance, _folder.Path);

    private static byte[] As43(string sample) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Builders.Sample(sample))
        .Replace("/ns/4_4/", "/ns/4_3/", StringComparison.Ordinal)
        .Replace("sedVer=\"4\"", "sedVer=\"3\"", StringComparison.Ordinal));

    [Fact]
    public void A_folder_of_official_XSDs_becomes_a_pack_per_version_beside_the_reference_pack()
    {
        var registry = Registry();

        var official = Assert.Single(registry.Packs, p => p.Id == "official-4.3");
        Assert.Equal("3", official.SedVer);
        Assert.Contains("A001", (IReadOnlySet<string>)official.SedTypes);
        Assert.Contains(registry.Packs, p => p.Id == "cleiss-reference-4.4");
    }

    [Fact]
    public async Task A_document_of_that_version_validates_with_the_official_pack_and_the_audit_names_it()
    {
        var context = Builders.Ingested(As43("valid/A001-outbound-1.xml"));

        var outcome = await new ValidationStage(Registry(), Builders.Rules).ExecuteAsync(context, CancellationToken.None);

        Assert.True(outcome.Kind == StageOutcomeKind.Continue, outcome.Error?.Detail);
        Assert.Equal("official-4.3@4.3", context.Facts["pack"]);
    }

    [Fact]
    public async Task Without_the_official_folder_that_version_fails_closed()
    {
        var context = Builders.Ingested(As43("valid/A001-outbound-1.xml"));

        var outcome = await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(ExchangeErrors.ValidateNoPack, outcome.Error!.Code);
    }

    [Fact]
    public void A_missing_official_folder_stops_the_hub_at_start()
    {
        Assert.Throws<InvalidOperationException>(() => new PackRegistry(Path.Combine(Builders.RepositoryRoot, "schemas", "sed"), NullLogger.Instance, Path.Combine(_folder.Path, "nope")));
    }
}
