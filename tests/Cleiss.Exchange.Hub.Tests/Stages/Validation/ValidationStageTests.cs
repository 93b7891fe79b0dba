using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation;

public sealed class ValidationStageTests
{
    public static TheoryData<string> ValidSamples() => [.. Builders.ValidXmlSamples("outbound"), .. Builders.ValidXmlSamples("inbound")];

    public static TheoryData<string, string> InvalidSamples()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, code) in Builders.InvalidSamples())
        {
            data.Add(file, code);
        }
        return data;
    }

    /// <summary>Runs ingest then validate, as the intake does, and returns the first refusal.</summary>
    private static async Task<(StageOutcome Outcome, ExchangeContext Context)> ValidateAsync(byte[] bytes)
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, bytes);
        var ingest = await new IngestStage(Direction.Outbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);
        if (ingest.Kind != StageOutcomeKind.Continue)
        {
            return (ingest, context);
        }
        return (await Builders.Validator().ExecuteAsync(context, CancellationToken.None), context);
    }

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public async Task Every_valid_sample_validates_and_names_its_pack(string file)
    {
        var (outcome, context) = await ValidateAsync(Builders.Sample(Path.Combine("valid", file)));

        Assert.True(outcome.Kind == StageOutcomeKind.Continue, outcome.Error?.Detail);
        Assert.Equal("cleiss-reference-4.4@4.4.0", context.PackId);
        Assert.Equal("cleiss-reference-4.4@4.4.0", context.Facts["pack"]);
    }

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public async Task Invalid_samples_before_routing_fail_with_their_expected_code(string file, string code)
    {
        if (code.StartsWith("ROUTE.", StringComparison.Ordinal))
        {
            // Routing samples are schema-valid on purpose; RoutingStageTests and the API tests cover them.
            var (routeOutcome, _) = await ValidateAsync(Builders.Sample(Path.Combine("invalid", file)));
            Assert.Equal(StageOutcomeKind.Continue, routeOutcome.Kind);
            return;
        }
        var (outcome, _) = await ValidateAsync(Builders.Sample(Path.Combine("invalid", file)));

        Assert.Equal(StageOutcomeKind.Rejected, outcome.Kind);
        if (code.StartsWith("RULE.", StringComparison.Ordinal))
        {
            // Business-rule samples break exactly one rule: the stage error groups the findings.
            Assert.Equal(ExchangeErrors.ValidateRuleViolation, outcome.Error!.Code);
            Assert.Equal(code, Assert.Single(outcome.Error.Findings!).Code);
            return;
        }
        Assert.Equal(code, outcome.Error!.Code);
    }

    [Fact]
    public async Task Schema_errors_come_with_coded_bilingual_findings_located_by_XPath()
    {
        var (outcome, _) = await ValidateAsync(Builders.Sample("invalid/U001-schema-bad-date.xml"));

        Assert.Equal(ExchangeErrors.ValidateSchemaInvalid, outcome.Error!.Code);
        var finding = Assert.Single(outcome.Error.Findings!);
        Assert.Equal(FindingCatalogue.SchemaInvalidValue, finding.Code);
        Assert.Equal("error", finding.Severity);
        Assert.StartsWith("/sbdh:StandardBusinessDocument/sed:U001/", finding.Location, StringComparison.Ordinal);
        Assert.Contains("'", finding.Message, StringComparison.Ordinal);
        Assert.Contains("«", finding.MessageFr, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-13-45", finding.Message + finding.MessageFr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audited_detail_of_a_schema_error_never_quotes_field_values()
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/H001-outbound-1.xml"));
        var birth = System.Text.RegularExpressions.Regex.Match(xml, "<dateBirth>([^<]+)</dateBirth>").Groups[1].Value;
        var broken = xml.Replace($"<dateBirth>{birth}</dateBirth>", "<dateBirth>1961-02-30X</dateBirth>", StringComparison.Ordinal);
        var (outcome, _) = await ValidateAsync(Encoding.UTF8.GetBytes(broken));

        Assert.Equal(ExchangeErrors.ValidateSchemaInvalid, outcome.Error!.Code);
        Assert.DoesNotContain("1961-02-30X", outcome.Error.Detail, StringComparison.Ordinal);
        Assert.Contains("dateBirth", outcome.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_location_hint_is_ignored_and_never_fetched()
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/A001-outbound-1.xml"))
            .Replace("<sbdh:StandardBusinessDocument ", "<sbdh:StandardBusinessDocument xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://eessi.dgempl.ec.europa.eu/namespaces/sbdh http://127.0.0.1:9/evil.xsd\" ", StringComparison.Ordinal);
        var (outcome, _) = await ValidateAsync(Encoding.UTF8.GetBytes(xml));

        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
    }

    [Fact]
    public async Task Structure_injection_is_refused_by_the_closed_content_model()
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/H001-outbound-1.xml"))
            .Replace("</familyName>", "</familyName><familyName>Injected</familyName>", StringComparison.Ordinal);
        var (outcome, _) = await ValidateAsync(Encoding.UTF8.GetBytes(xml));

        Assert.Equal(ExchangeErrors.ValidateSchemaInvalid, outcome.Error!.Code);
    }

    [Fact]
    public void The_pack_registry_refuses_to_start_without_a_pack()
    {
        using var empty = new TempDirectory();
        Assert.Throws<InvalidOperationException>(() => new PackRegistry(empty.Path, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
    }
}
