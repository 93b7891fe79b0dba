using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Routing;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Stages.Routing;

public sealed class RoutingStageTests
{
    private static RoutingStage Stage(Direction direction, RoutingOptions? routing = null) =>
        new(direction, Builders.Directory, Builders.Hub(), Options.Create(routing ?? new RoutingOptions()));

    private static async Task<(StageOutcome Outcome, ExchangeContext Context)> RouteAsync(string sample, Direction direction = Direction.Outbound, RoutingOptions? routing = null)
    {
        var context = Builders.Ingested(Builders.Sample(sample), direction);
        return (await Stage(direction, routing).ExecuteAsync(context, CancellationToken.None), context);
    }

    public static TheoryData<string> Outbound() => [.. Builders.ValidXmlSamples("outbound")];

    public static TheoryData<string> Inbound() => [.. Builders.ValidXmlSamples("inbound")];

    [Theory]
    [MemberData(nameof(Outbound))]
    public async Task Every_outbound_sample_routes_to_a_foreign_access_point_with_an_explained_rule(string file)
    {
        var (outcome, context) = await RouteAsync(Path.Combine("valid", file));

        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
        Assert.Equal("BE:AP0001", context.Route!.AccessPointId);
        Assert.NotNull(context.Route.Endpoint);
        Assert.Contains(context.Header!.BucType, context.Route.Rule, StringComparison.Ordinal);
        Assert.Contains("served by BE:AP0001", context.Route.Rule, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Inbound))]
    public async Task Every_inbound_sample_routes_to_a_French_institution(string file)
    {
        var (outcome, context) = await RouteAsync(Path.Combine("valid", file), Direction.Inbound);

        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
        Assert.StartsWith("FR:", context.Route!.ReceiverId, StringComparison.Ordinal);
        Assert.Null(context.Route.Endpoint);
    }

    [Theory]
    [InlineData("invalid/A001-route-unknown-recipient.xml", ExchangeErrors.RouteUnknownRecipient)]
    [InlineData("invalid/A001-route-no-competence.xml", ExchangeErrors.RouteNoCompetence)]
    [InlineData("invalid/A001-route-domestic-recipient.xml", ExchangeErrors.RouteDomesticRecipient)]
    [InlineData("invalid/A001-route-unknown-sender.xml", ExchangeErrors.RouteUnknownSender)]
    public async Task Unroutable_documents_are_refused_with_their_code(string sample, string code)
    {
        var (outcome, _) = await RouteAsync(sample);
        Assert.Equal(code, outcome.Error!.Code);
    }

    [Fact]
    public async Task An_inbound_document_for_a_foreign_institution_is_refused()
    {
        var (outcome, _) = await RouteAsync("valid/A001-outbound-1.xml", Direction.Inbound);
        Assert.Equal(ExchangeErrors.RouteSenderNotServed, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_foreign_sender_cannot_use_the_outbound_path()
    {
        var (outcome, _) = await RouteAsync("valid/A002-inbound-1.xml");
        Assert.Equal(ExchangeErrors.RouteSenderNotServed, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_document_with_two_receivers_is_refused_for_now()
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/A001-outbound-1.xml"));
        var start = xml.IndexOf("<sbdh:Receiver>", StringComparison.Ordinal);
        var end = xml.IndexOf("</sbdh:Receiver>", StringComparison.Ordinal) + "</sbdh:Receiver>".Length;
        var twice = xml.Insert(end, xml[start..end]);
        var context = Builders.Ingested(Encoding.UTF8.GetBytes(twice));

        var outcome = await Stage(Direction.Outbound).ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(ExchangeErrors.RouteMultipleRecipients, outcome.Error!.Code);
    }

    [Fact]
    public async Task An_endpoint_override_replaces_the_directory_endpoint()
    {
        var routing = new RoutingOptions { EndpointOverrides = [new EndpointOverride { AccessPointId = "BE:AP0001", Url = "http://127.0.0.1:6123/x" }] };
        var (_, context) = await RouteAsync("valid/A001-outbound-1.xml", routing: routing);
        Assert.Equal(new Uri("http://127.0.0.1:6123/x"), context.Route!.Endpoint);
    }

    [Fact]
    public async Task Competence_is_checked_at_the_document_date()
    {
        var xml = Encoding.UTF8.GetString(Builders.Sample("valid/A001-outbound-1.xml"));
        var created = xml.IndexOf("<sbdh:CreationDateAndTime>", StringComparison.Ordinal) + "<sbdh:CreationDateAndTime>".Length;
        var old = xml[..created] + "2001-01-01T00:00:00+01:00" + xml[xml.IndexOf("</sbdh:CreationDateAndTime>", StringComparison.Ordinal)..];
        var context = Builders.Ingested(Encoding.UTF8.GetBytes(old));

        var outcome = await Stage(Direction.Outbound).ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(ExchangeErrors.RouteNoCompetence, outcome.Error!.Code);
    }
}
