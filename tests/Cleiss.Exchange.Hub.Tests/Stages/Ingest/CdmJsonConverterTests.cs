using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Tests.Stages.Ingest;

public sealed class CdmJsonConverterTests
{
    internal static readonly CdmJsonConverter Converter = new(Builders.Packs);

    public static TheoryData<string> JsonSamples() => [.. Directory.EnumerateFiles(Path.Combine(Builders.Samples, "valid", "json")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    public static TheoryData<string> XmlSamples() => [.. Directory.EnumerateFiles(Path.Combine(Builders.Samples, "valid"), "*.xml").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    private static async Task<StageOutcome> ValidateAsync(CdmXml xml)
    {
        var context = Builders.Ingested(xml.Bytes);
        context.SourcePointers = xml.Pointers;
        return await Builders.Validator().ExecuteAsync(context, CancellationToken.None);
    }

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new Configuration.IntakeOptions(), "test", out _)!;

    [Theory]
    [MemberData(nameof(JsonSamples))]
    public async Task Json_samples_become_sbdh_xml_that_validates(string file)
    {
        var xml = Converter.TryToXml(Builders.Sample(Path.Combine("valid", "json", file)), out var error);

        Assert.Null(error);
        var outcome = await ValidateAsync(xml!);
        Assert.True(outcome.Kind == StageOutcomeKind.Continue, outcome.Error?.Detail);
    }

    [Theory]
    [MemberData(nameof(XmlSamples))]
    public void Xml_to_json_to_xml_gives_the_same_canonical_document(string file)
    {
        var original = Load(Builders.Sample(Path.Combine("valid", file)));

        var json = Converter.TryToJson(original, out var problem);
        Assert.True(json is not null, problem);
        var back = Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error);
        Assert.Null(error);

        Assert.Equal(XmlEquivalence.Canonical(original), XmlEquivalence.Canonical(Load(back!.Bytes)));
        // And the converter's own output is a fixed point, byte for byte.
        var again = Converter.TryToXml(Encoding.UTF8.GetBytes(Converter.TryToJson(Load(back.Bytes), out _)!.ToJsonString()), out _);
        Assert.Equal(back.Bytes, again!.Bytes);
    }

    [Theory]
    [MemberData(nameof(JsonSamples))]
    public void Json_to_xml_to_json_gives_the_same_json(string file)
    {
        var original = JsonNode.Parse(Builders.Sample(Path.Combine("valid", "json", file)))!;

        var xml = Converter.TryToXml(Encoding.UTF8.GetBytes(original.ToJsonString()), out _);
        var back = Converter.TryToJson(Load(xml!.Bytes), out var problem);

        Assert.True(back is not null, problem);
        Assert.True(JsonNode.DeepEquals(original, back), back.ToJsonString());
    }

    [Fact]
    public async Task Key_order_does_not_matter_the_schema_orders_the_elements()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        var sed = json["sed"]!["A001"]!.AsObject();
        json["sed"]!["A001"] = new JsonObject(sed.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

        var xml = Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error);

        Assert.Null(error);
        Assert.Equal(StageOutcomeKind.Continue, (await ValidateAsync(xml!)).Kind);
    }

    [Fact]
    public async Task Findings_on_json_input_are_located_by_json_pointer()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["InsuredPerson"]!["PersonIdentification"]!["dateBirth"] = "1961-02-30";

        var outcome = await ValidateAsync(Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out _)!);

        var finding = Assert.Single(outcome.Error!.Findings!);
        Assert.Equal("/sed/A001/InsuredPerson/PersonIdentification/dateBirth", finding.Location);
    }

    [Fact]
    public async Task An_unknown_member_is_kept_so_that_validation_names_it()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["status"] = "approved";

        var outcome = await ValidateAsync(Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out _)!);

        Assert.Equal(ExchangeErrors.ValidateSchemaInvalid, outcome.Error!.Code);
        Assert.Contains(outcome.Error.Findings!, f => f.Location == "/sed/A001/status");
    }

    [Theory]
    [InlineData("{\"sbdh\": {}, \"sbdh\": {}}")]
    [InlineData("{\"sbdh\": {}, // comment\n \"sed\": {}}")]
    [InlineData("{\"sbdh\": {}, \"sed\": {},}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"sbdh\": {}, \"sed\": {}, \"extra\": 1}")]
    [InlineData("not json")]
    [InlineData("{\"A001\": {\"sedGVer\": \"4\", \"sedVer\": \"4\", \"x\": \"\\u0001\"}}")]
    [InlineData("{\"sed\": {\"A001\": {\"sedGVer\": \"4\", \"sedVer\": \"4\"}}}")]
    public void Malformed_envelopes_are_refused(string json)
    {
        Assert.Null(Converter.TryToXml(Encoding.UTF8.GetBytes(json), out var error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Fact]
    public void A_number_where_CDM_wants_a_string_is_refused()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["sedPackage"] = 12;
        Assert.Null(Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);
        Assert.Null(Converter.TryToXml(Encoding.UTF8.GetBytes(deep), out var error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Theory]
    [InlineData("3", "4")]
    [InlineData("4", null)]
    public void An_unknown_or_missing_version_has_no_pack(string gver, string? ver)
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["sedGVer"] = gver;
        if (ver is null)
        {
            json["sed"]!["A001"]!.AsObject().Remove("sedVer");
        }
        Assert.Null(Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error));
        Assert.Equal(ExchangeErrors.ValidateNoPack, error!.Code);
    }

    [Fact]
    public void A_bare_sed_converts_both_ways()
    {
        var envelope = JsonNode.Parse(Builders.Sample("valid/json/H001-outbound-1.json"))!;
        var bare = new JsonObject { ["H001"] = envelope["sed"]!["H001"]!.DeepClone() };

        var xml = Converter.TryToXml(Encoding.UTF8.GetBytes(bare.ToJsonString()), out var error);
        var back = Converter.TryToJson(Load(xml!.Bytes), out _);

        Assert.Null(error);
        Assert.Equal("H001", Load(xml.Bytes).DocumentElement!.LocalName);
        Assert.True(JsonNode.DeepEquals(bare, back));
    }

    [Fact]
    public void A_signed_document_is_not_projected_silently()
    {
        var document = Load(Builders.Sample("valid/A001-outbound-1.xml"));
        var sed = SbdhReader.SedElement(document)!;
        sed.AppendChild(document.CreateElement("ds", "Signature", Hub.Trust.BusinessSignature.DsigNamespace));

        Assert.Null(Converter.TryToJson(document, out var problem));
        Assert.Contains("signature", problem, StringComparison.OrdinalIgnoreCase);
    }
}
