using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Stages.Delivery;

/// <summary>
/// deliver (inbound): makes the document available in the receiving French institution's pull
/// inbox (<c>GET /api/v1/institutions/{id}/inbox</c>); the runner's durable status change is the
/// delivery. Webhook, file-drop and FHIR deliveries are adapters still to come.
/// </summary>
public sealed class InboxDeliveryStage : IStage
{
    public string Name => "deliver";

    public string CompletedEvent => "delivered";

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var route = context.Route ?? throw new InvalidOperationException("deliver runs after route.");
        context.AddFact("channel", "inbox");
        context.AddFact("institution", route.ReceiverId);
        return ValueTask.FromResult(StageOutcome.Completed);
    }
}
