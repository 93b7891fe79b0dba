using System.Globalization;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Routing;

/// <summary>
/// route: receiver → competence for the BUC and role at the document date → access point →
/// endpoint; every decision says which directory rule chose it (runs per message).
/// </summary>
public sealed class RoutingStage : IStage
{
    private readonly InstitutionDirectory _directory;
    private readonly Direction _direction;
    private readonly string _country;
    private readonly Dictionary<string, string> _overrides = new(StringComparer.Ordinal);

    public RoutingStage(Direction direction, InstitutionDirectory directory, IOptions<HubOptions> hub, IOptions<RoutingOptions> routing)
    {
        _direction = direction;
        _directory = directory;
        _country = hub.Value.Country;
        foreach (var entry in routing.Value.EndpointOverrides)
        {
            _overrides[entry.AccessPointId] = entry.Url;
        }
    }

    public string Name => "route";

    public string CompletedEvent => "routed";

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var header = context.Header ?? throw new InvalidOperationException("route runs after ingest.");
        if (header.Receivers.Count != 1)
        {
            return Reject(ExchangeErrors.RouteMultipleRecipients, $"The document names {header.Receivers.Count} receivers; this version routes exactly one.");
        }
        var sender = _directory.FindInstitution(header.Sender.InstitutionId);
        if (sender is null)
        {
            return Reject(ExchangeErrors.RouteUnknownSender, $"Sender {header.Sender.InstitutionId} is not in directory {_directory.Version}.");
        }
        var senderIsDomestic = sender.Country == _country;
        if (senderIsDomestic != (_direction == Direction.Outbound))
        {
            return Reject(ExchangeErrors.RouteSenderNotServed, _direction == Direction.Outbound
                ? $"Sender {sender.Id} is not a {_country} institution; only {_country} institutions send through this hub."
                : $"Sender {sender.Id} is a {_country} institution; inbound documents come from abroad.");
        }

        var receiverParty = header.Receivers[0];
        var receiver = _directory.FindInstitution(receiverParty.InstitutionId);
        if (receiver is null)
        {
            return Reject(ExchangeErrors.RouteUnknownRecipient, $"Receiver {receiverParty.InstitutionId} is not in directory {_directory.Version}.");
        }
        var receiverIsDomestic = receiver.Country == _country;
        if (_direction == Direction.Outbound && receiverIsDomestic)
        {
            return Reject(ExchangeErrors.RouteDomesticRecipient, $"Receiver {receiver.Id} is a {_country} institution; outbound documents go abroad.");
        }
        if (_direction == Direction.Inbound && !receiverIsDomestic)
        {
            return Reject(ExchangeErrors.RouteForeignRecipient, $"Receiver {receiver.Id} is not a {_country} institution.");
        }

        var documentDate = header.DocumentDate;
        var competence = receiver.FindCompetence(header.BucType, receiverParty.Role, documentDate);
        if (competence is null)
        {
            return Reject(ExchangeErrors.RouteNoCompetence,
                $"Receiver {receiver.Id} has no competence for {header.BucType} as {receiverParty.Role} on {documentDate:yyyy-MM-dd} in directory {_directory.Version}.");
        }

        var accessPoint = _directory.FindAccessPoint(receiver.AccessPoint)!;
        Uri? endpoint = null;
        if (_direction == Direction.Outbound)
        {
            var url = _overrides.GetValueOrDefault(accessPoint.Id) ?? accessPoint.Endpoint;
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out endpoint))
            {
                return Reject(ExchangeErrors.RouteNoEndpoint, $"Access point {accessPoint.Id} has no usable endpoint.");
            }
        }

        var since = competence.ValidFrom is { } from ? string.Create(CultureInfo.InvariantCulture, $" since {from:yyyy-MM-dd}") : string.Empty;
        var rule = $"IR {_directory.Version}: {receiver.Id} is competent for {header.BucType} as {receiverParty.Role}{since}; served by {accessPoint.Id}";
        context.Route = new RouteDecision(receiver.Id, accessPoint.Id, endpoint, rule);
        context.AddFact("receiver", receiver.Id);
        context.AddFact("accessPoint", accessPoint.Id);
        context.AddFact("endpoint", endpoint?.ToString() ?? "inbox");
        context.AddFact("rule", rule);
        return ValueTask.FromResult(StageOutcome.Continue);
    }

    private ValueTask<StageOutcome> Reject(string code, string detail) =>
        ValueTask.FromResult(StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail)));
}
