using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Tests.Stages.Ingest;

public sealed class JsonEnvelopeConverterTests
{
    private static readonly JsonEnvelopeConverter Converter = new(Builders.Packs);

    public static TheoryData<string> JsonSamples() => [.. Directory.EnumerateFiles(Path.Combine(Builders.Samples, "valid", "json")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    private static async Task<StageOutcome> ValidateAsync(byte[] xml)
    {
        var context = Builders.Ingested(xml);
        return await new ValidationStage(Builders.Packs, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(JsonSamples))]
    public async Task Json_samples_become_sbdh_xml_that_validates(string file)
    {
        var xml = Converter.TryConvert(Builders.Sample(Path.Combine("valid", "json", file)), out var error);

        Assert.Null(error);
        var outcome = await ValidateAsync(xml!);
        Assert.True(outcome.Kind == StageOutcomeKind.Continue, outcome.Error?.Detail);
    }

    [Fact]
    public async Task Key_order_does_not_matter_the_schema_orders_the_elements()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        var sed = json["sed"]!["A001"]!.AsObject();
        var reversed = new JsonObject(sed.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        json["sed"]!["A001"] = reversed;

        var xml = Converter.TryConvert(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error);

        Assert.Null(error);
        Assert.Equal(StageOutcomeKind.Continue, (await ValidateAsync(xml!)).Kind);
    }

    [Fact]
    public async Task An_unknown_member_is_kept_so_that_validation_names_it()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["status"] = "approved";

        var xml = Converter.TryConvert(Encoding.UTF8.GetBytes(json.ToJsonString()), out _);
        var outcome = await ValidateAsync(xml!);

        Assert.Equal(ExchangeErrors.ValidateSchemaInvalid, outcome.Error!.Code);
        Assert.Contains("status", outcome.Error.Findings![0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"sbdh\": {}, \"sbdh\": {}}")]
    [InlineData("{\"sbdh\": {}, // comment\n \"sed\": {}}")]
    [InlineData("{\"sbdh\": {}, \"sed\": {},}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"sbdh\": {}, \"sed\": {}, \"extra\": 1}")]
    [InlineData("not json")]
    public void Malformed_envelopes_are_refused(string json)
    {
        Assert.Null(Converter.TryConvert(Encoding.UTF8.GetBytes(json), out var error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Fact]
    public void A_number_where_CDM_wants_a_string_is_refused()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["sedVer"] = 4;
        Assert.Null(Converter.TryConvert(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error));
        Assert.Equal(ExchangeErrors.ValidateNoPack, error!.Code);

        json["sed"]!["A001"]!["sedVer"] = "4";
        json["sed"]!["A001"]!["sedPackage"] = 12;
        Assert.Null(Converter.TryConvert(Encoding.UTF8.GetBytes(json.ToJsonString()), out error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);
        Assert.Null(Converter.TryConvert(Encoding.UTF8.GetBytes(deep), out var error));
        Assert.Equal(ExchangeErrors.IngestMalformedJson, error!.Code);
    }

    [Fact]
    public void An_unknown_version_has_no_pack()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["sedGVer"] = "3";
        Assert.Null(Converter.TryConvert(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error));
        Assert.Equal(ExchangeErrors.ValidateNoPack, error!.Code);
    }
}
