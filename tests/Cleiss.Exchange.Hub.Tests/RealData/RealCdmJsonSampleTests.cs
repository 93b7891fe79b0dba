using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Tests.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>
/// The real CDM-native JSON SEDs of NAV (navikt/eessi-pensjon-prefill, MIT; ../shared/data/sed-samples/.../json/nav/eu/):
/// what the hub says about them, precisely, and lossless round trips.
/// </summary>
public sealed class RealCdmJsonSampleTests
{
    private const string Folder = "sed-samples/eessi-pensjon-prefill/src/test/resources/json/nav/eu";

    private static JsonObject Real(string file) => JsonNode.Parse(File.ReadAllBytes(Corpus.File($"{Folder}/{file}")))!.AsObject();

    /// <summary>The real SED with the one thing it lacks for a pack to apply (its sedVer), as a bare SED.</summary>
    private static JsonObject Versioned(string file, string sed)
    {
        var json = Real(file);
        json[sed]!["sedVer"] = "4";
        return json;
    }

    /// <summary>The SED inside the hub's JSON envelope, as NAV (NO:NAVT002) would send it to CLEISS.</summary>
    private static byte[] Envelope(JsonObject bare, string sed, string buc) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["sbdh"] = new JsonObject
        {
            ["sender"] = new JsonObject { ["identifier"] = "NO:NAVT002", ["role"] = "CaseOwner" },
            ["receivers"] = new JsonArray(new JsonObject { ["identifier"] = "FR:CLEISS0002", ["role"] = "Counterparty" }),
            ["documentIdentification"] = new JsonObject
            {
                ["standard"] = "urn:eu:europa:ec:dgempl:eessi:sed:4.4", ["typeVersion"] = "4.4", ["instanceIdentifier"] = Guid.NewGuid().ToString(),
                ["type"] = sed, ["creationDateAndTime"] = "2026-11-20T10:00:00+01:00",
            },
            ["businessScope"] = new JsonObject { ["caseId"] = "NO-REAL-1", ["businessServiceName"] = $"{buc}:4.4" },
        },
        ["sed"] = new JsonObject { [sed] = bare[sed]!.DeepClone() },
    }.ToJsonString());

    private static async Task<StageOutcome> ValidateAsync(byte[] envelope)
    {
        var xml = CdmJsonConverterTests.Converter.TryToXml(envelope, out var error);
        Assert.True(xml is not null, error?.Detail);
        var context = Builders.Ingested(xml.Bytes, Direction.Inbound);
        context.SourcePointers = xml.Pointers;
        return await Builders.Validator().ExecuteAsync(context, CancellationToken.None);
    }

    [CorpusTheory]
    [InlineData("P2100_EU_draft1.json")]
    [InlineData("P10000-EU.json")]
    public void As_shipped_the_real_samples_lack_sedVer_so_no_pack_applies(string file)
    {
        var sed = Real(file).Single().Key;

        Assert.Null(CdmJsonConverterTests.Converter.TryToXml(Encoding.UTF8.GetBytes(Real(file).ToJsonString()), out var error));

        Assert.Equal(ExchangeErrors.ValidateNoPack, error!.Code);
        Assert.Contains($"SED {sed} with sedGVer '4' and sedVer ''", error.Detail, StringComparison.Ordinal);
    }

    [CorpusFact]
    public async Task The_real_P2100_is_schema_valid_and_breaks_one_date_rule_a_child_dies_before_being_born()
    {
        var outcome = await ValidateAsync(Envelope(Versioned("P2100_EU_draft1.json", "P2100"), "P2100", "P_BUC_02"));

        Assert.Equal(ExchangeErrors.ValidateRuleViolation, outcome.Error!.Code);
        var finding = Assert.Single(outcome.Error.Findings!);
        Assert.Equal(FindingCatalogue.RuleDateOrder, finding.Code);
        Assert.Equal("/sed/P2100/ClaimantChildren/Child/0/AdditionalInformationPerson/dateDeath", finding.Location);
    }

    [CorpusFact]
    public async Task The_real_P10000_is_schema_valid_and_carries_one_malformed_Belgian_number()
    {
        var outcome = await ValidateAsync(Envelope(Versioned("P10000-EU.json", "P10000"), "P10000", "P_BUC_06"));

        Assert.Equal(ExchangeErrors.ValidateRuleViolation, outcome.Error!.Code);
        var finding = Assert.Single(outcome.Error.Findings!);
        Assert.Equal(FindingCatalogue.RulePinInvalid, finding.Code);
        Assert.StartsWith("/sed/P10000/OtherPerson/", finding.Location, StringComparison.Ordinal);
        Assert.EndsWith("/personalIdentificationNumber", finding.Location, StringComparison.Ordinal);
    }

    [CorpusTheory]
    [InlineData("P2100_EU_draft1.json", "P2100")]
    [InlineData("P10000-EU.json", "P10000")]
    public void Round_trips_of_the_real_samples_are_lossless(string file, string sed)
    {
        var json = Versioned(file, sed);
        var converter = CdmJsonConverterTests.Converter;

        var xml = converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error);
        Assert.Null(error);
        var document = HardenedXml.TryLoad(xml!.Bytes, new Configuration.IntakeOptions(), "test", out _)!;
        var back = converter.TryToJson(document, out var problem);
        Assert.True(back is not null, problem);
        Assert.True(JsonNode.DeepEquals(json, back), "JSON → XML → JSON changed the document");

        var again = converter.TryToXml(Encoding.UTF8.GetBytes(back.ToJsonString()), out _);
        Assert.Equal(xml.Bytes, again!.Bytes);
        Assert.Equal(XmlEquivalence.Canonical(document), XmlEquivalence.Canonical(Load(again.Bytes)));
    }

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new Configuration.IntakeOptions(), "test", out _)!;
}
