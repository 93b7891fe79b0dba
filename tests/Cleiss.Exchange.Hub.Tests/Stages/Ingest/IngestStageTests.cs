using System.Diagnostics;
using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Tests.Stages.Ingest;

public sealed class IngestStageTests
{
    private static async Task<StageOutcome> IngestAsync(byte[] bytes, Action<Configuration.IntakeOptions>? limits = null)
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, bytes);
        return await new IngestStage(Direction.Outbound, Builders.Limits(limits)).ExecuteAsync(context, CancellationToken.None);
    }

    [Fact]
    public async Task Valid_sample_yields_its_header()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, Builders.Sample("valid/A001-outbound-1.xml"));
        var outcome = await new IngestStage(Direction.Outbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
        Assert.Equal("A001", context.Header!.SedType);
        Assert.Equal("FR:CLEISS0002", context.Header.Sender.InstitutionId);
        Assert.Equal("LA_BUC_01", context.Header.BucType);
        Assert.Single(context.Header.Receivers);
        Assert.Equal("accepted", new IngestStage(Direction.Outbound, Builders.Limits()).CompletedEvent);
        Assert.Equal("received", new IngestStage(Direction.Inbound, Builders.Limits()).CompletedEvent);
    }

    [Theory]
    [InlineData("<a><b></a>", ExchangeErrors.IngestMalformedXml)]
    [InlineData("junk<a/>", ExchangeErrors.IngestMalformedXml)]
    [InlineData("<a/><b/>", ExchangeErrors.IngestMalformedXml)]
    [InlineData("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", ExchangeErrors.IngestDtdProhibited)]
    [InlineData("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", ExchangeErrors.IngestDtdProhibited)]
    [InlineData("<!DOCTYPE a [<!ENTITY % d SYSTEM \"http://127.0.0.1:9/evil.dtd\"> %d;]><a/>", ExchangeErrors.IngestDtdProhibited)]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", ExchangeErrors.IngestNotUtf8)]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-7\"?><a/>", ExchangeErrors.IngestNotUtf8)]
    [InlineData("<a>&#0;</a>", ExchangeErrors.IngestMalformedXml)]
    [InlineData("<a>&#xFFFE;</a>", ExchangeErrors.IngestMalformedXml)]
    [InlineData("", ExchangeErrors.IngestEmptyBody)]
    [InlineData("<a xmlns='urn:x'/>", ExchangeErrors.ValidateSbdhInvalid)]
    public async Task Hostile_or_broken_xml_is_refused_with_its_code(string xml, string code)
    {
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes(xml));

        Assert.Equal(StageOutcomeKind.Rejected, outcome.Kind);
        Assert.Equal(code, outcome.Error!.Code);
        Assert.DoesNotContain("root:", outcome.Error.Detail, StringComparison.Ordinal); // never echoes /etc/passwd
    }

    [Fact]
    public async Task Invalid_utf8_bytes_are_refused()
    {
        var outcome = await IngestAsync([.. "<a>"u8, 0xC0, 0xAF, .. "</a>"u8]);
        Assert.Equal(ExchangeErrors.IngestNotUtf8, outcome.Error!.Code);
    }

    [Fact]
    public async Task Billion_laughs_is_refused_quickly()
    {
        var entities = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            entities.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        }
        entities.Append("]><lolz>&lol9;</lolz>");
        var watch = Stopwatch.StartNew();
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes(entities.ToString()));

        Assert.Equal(ExchangeErrors.IngestDtdProhibited, outcome.Error!.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "The DTD must be refused before any expansion.");
    }

    [Fact]
    public async Task Deep_nesting_is_refused_without_overflowing_the_stack()
    {
        const int depth = 100_000;
        var xml = new StringBuilder(depth * 7);
        for (var i = 0; i < depth; i++)
        {
            xml.Append("<a>");
        }
        for (var i = 0; i < depth; i++)
        {
            xml.Append("</a>");
        }
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes(xml.ToString()));

        Assert.Equal(ExchangeErrors.IngestLimitExceeded, outcome.Error!.Code);
    }

    [Fact]
    public async Task Too_many_attributes_are_refused()
    {
        var attributes = string.Concat(Enumerable.Range(0, 1000).Select(i => $" a{i}='x'"));
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes($"<a{attributes}/>"));
        Assert.Equal(ExchangeErrors.IngestLimitExceeded, outcome.Error!.Code);
    }

    [Fact]
    public async Task Huge_name_is_refused()
    {
        var name = new string('n', 10_000);
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes($"<{name}/>"));
        Assert.Equal(ExchangeErrors.IngestLimitExceeded, outcome.Error!.Code);
    }

    [Fact]
    public async Task Huge_text_value_is_refused()
    {
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes($"<a>{new string('x', 200_000)}</a>"));
        Assert.Equal(ExchangeErrors.IngestLimitExceeded, outcome.Error!.Code);
    }

    [Fact]
    public async Task Document_over_the_character_cap_is_refused()
    {
        var outcome = await IngestAsync(Encoding.UTF8.GetBytes($"<a>{new string('x', 5000)}</a>"), o => o.MaxDocumentBytes = 2048);
        Assert.Equal(StageOutcomeKind.Rejected, outcome.Kind);
    }

    [Fact]
    public async Task An_outbound_document_is_schema_validated_while_parsed_so_validate_needs_no_second_pass()
    {
        var valid = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, Builders.Sample("valid/P5000-outbound-1.xml"));
        var invalid = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, Builders.Sample("invalid/U001-schema-bad-date.xml"));
        var stage = new IngestStage(Direction.Outbound, Builders.Limits(), Builders.Packs);

        await stage.ExecuteAsync(valid, CancellationToken.None);
        await stage.ExecuteAsync(invalid, CancellationToken.None);

        Assert.Equal("cleiss-reference-4.4@4.4.0", valid.SchemaValidatedWith);
        Assert.Null(invalid.SchemaValidatedWith);
        Assert.Equal(StageOutcomeKind.Continue, (await Builders.Validator().ExecuteAsync(valid, CancellationToken.None)).Kind);
        var finding = Assert.Single((await Builders.Validator().ExecuteAsync(invalid, CancellationToken.None)).Error!.Findings!);
        Assert.StartsWith("/sbdh:StandardBusinessDocument/sed:U001/", finding.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inbound_document_is_parsed_from_its_own_bytes_only()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Inbound, Builders.Sample("valid/A001-inbound-1.xml"));
        await new IngestStage(Direction.Inbound, Builders.Limits(), Builders.Packs).ExecuteAsync(context, CancellationToken.None);
        Assert.Null(context.SchemaValidatedWith);
    }

    [Fact]
    public async Task Utf8_byte_order_mark_is_accepted()
    {
        var outcome = await IngestAsync([0xEF, 0xBB, 0xBF, .. Builders.Sample("valid/H001-outbound-1.xml")]);
        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
    }
}
