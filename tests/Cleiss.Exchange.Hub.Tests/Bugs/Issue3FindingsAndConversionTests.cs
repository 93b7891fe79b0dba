using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Tests.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Tests.Bugs;

/// <summary>Regressions found by the property and mutation tests of issue 3.</summary>
public sealed class Issue3FindingsAndConversionTests
{
    [Fact]
    public void Issue3_carriage_returns_in_values_survive_json_to_xml_to_json()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/H001-outbound-1.json"))!;
        json["sed"]!["H001"]!["RequestedInformation"]!["description"] = "line one\r\nline two\rthree";

        var xml = CdmJsonConverterTests.Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out _)!;
        var back = CdmJsonConverterTests.Converter.TryToJson(HardenedXml.TryLoad(xml.Bytes, new Configuration.IntakeOptions(), "t", out _)!, out _);

        Assert.Equal("line one\r\nline two\rthree", back!["sed"]!["H001"]!["RequestedInformation"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Issue3_findings_on_attributes_of_json_input_point_into_the_json()
    {
        var json = JsonNode.Parse(Builders.Sample("valid/json/A001-outbound-1.json"))!;
        json["sed"]!["A001"]!["sedPackage"] = new string('x', 101);
        var xml = CdmJsonConverterTests.Converter.TryToXml(Encoding.UTF8.GetBytes(json.ToJsonString()), out _)!;
        var context = Builders.Ingested(xml.Bytes);
        context.SourcePointers = xml.Pointers;

        var outcome = await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.Equal("/sed/A001/sedPackage", Assert.Single(outcome.Error!.Findings!).Location);
    }

    [Theory]
    [InlineData("MaxLength")]
    [InlineData("text only")]
    [InlineData("has invalid child element")]
    [InlineData("Pattern constraint failed")]
    public async Task Issue3_a_value_cannot_choose_its_finding_code(string value)
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/A001-outbound-1.xml"));
        var birth = System.Text.RegularExpressions.Regex.Match(xml, "<dateBirth>[^<]+</dateBirth>").Value;
        var context = Builders.Ingested(Encoding.UTF8.GetBytes(xml.Replace(birth, $"<dateBirth>{value}</dateBirth>", StringComparison.Ordinal)));

        var outcome = await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(FindingCatalogue.SchemaInvalidValue, Assert.Single(outcome.Error!.Findings!).Code);
        Assert.Equal(StageOutcomeKind.Rejected, outcome.Kind);
    }
}
