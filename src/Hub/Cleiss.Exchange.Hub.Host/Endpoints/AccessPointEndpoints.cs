using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>
/// The hub's access point for documents from abroad (plain HTTP until the AS4 gateway lands): a
/// partner posts a signed SBDH+SED document and gets the hub's signed receipt once the document is
/// durably accepted, or a problem with a code. A re-send gets a receipt for the same document.
/// </summary>
internal static class AccessPointEndpoints
{
    public static void MapAccessPointEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ap/v1/messages", ReceiveAsync).WithTags("Access point")
            .WithSummary("Receive a signed document from a partner access point; answers a signed receipt.")
            .Produces<string>(200, DeliveryReceipt.MediaType)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, IntakeService intake, SigningKeyStore keys, TimeProvider time,
        IOptions<IntakeOptions> limits, IOptions<HubOptions> hub, CancellationToken cancellationToken)
    {
        if (BodyReader.Classify(request, allowJson: false, "receive", out var mediaError) is null)
        {
            var refused = await intake.RefuseAsync(Direction.Inbound, mediaError!, cancellationToken);
            return Problems.From(mediaError!, refused.DocumentId);
        }
        var (body, readError) = await BodyReader.ReadAsync(request, limits.Value.MaxDocumentBytes, "receive", cancellationToken);
        if (body is null)
        {
            var refused = await intake.RefuseAsync(Direction.Inbound, readError!, cancellationToken);
            return Problems.From(readError!, refused.DocumentId);
        }
        var result = await intake.SubmitAsync(Direction.Inbound, body, cancellationToken);
        if (result.Outcome == IntakeOutcome.Rejected)
        {
            return Problems.From(result.Error!, result.DocumentId);
        }
        var receipt = DeliveryReceipt.Create(result.DocumentId.ToString(), result.InstanceIdentifier!, body, hub.Value.AccessPointId, time.GetUtcNow(), keys.Current);
        return TypedResults.Bytes(receipt, DeliveryReceipt.MediaType);
    }
}
