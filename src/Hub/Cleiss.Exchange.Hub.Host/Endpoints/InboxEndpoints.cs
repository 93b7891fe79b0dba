using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>French institutions pull the documents that arrived for them from abroad, and acknowledge them.</summary>
internal static class InboxEndpoints
{
    public static void MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/institutions/{institutionId}/inbox").WithTags("Inbox").AddEndpointFilter<ApiKeyFilter>();
        group.MapGet("/", ListAsync).WithSummary("Documents delivered and not yet acknowledged, oldest first.")
            .Produces<InboxView>().ProducesProblem(404);
        group.MapGet("/{id:guid}/payload", PayloadAsync).WithSummary("The signed SBDH+SED XML as received.")
            .Produces<string>(200, "application/xml").ProducesProblem(404);
        group.MapPost("/{id:guid}/ack", AcknowledgeAsync).WithSummary("Acknowledge a document; it leaves the inbox.")
            .Produces(204).ProducesProblem(404);
    }

    private static async Task<IResult> ListAsync(HttpContext http, string institutionId, int? limit, IHubStore store, InstitutionDirectory directory, IOptions<HubOptions> hub, CancellationToken cancellationToken)
    {
        if (!IsServedInstitution(institutionId, directory, hub.Value) || !ApiKeyFilter.Of(http).MayActFor(institutionId))
        {
            return Problems.Of(ExchangeErrors.ApiNotFound, $"No inbox for {Short(institutionId)}.");
        }
        var items = await store.GetInboxAsync(institutionId, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken);
        var baseUrl = $"/api/v1/institutions/{Uri.EscapeDataString(institutionId)}/inbox";
        return TypedResults.Ok(new InboxView(institutionId, items.Select(i => new InboxEntry(i.DocumentId, i.SedType, i.CaseId, i.BusinessService, i.SenderId, i.ReceivedAt,
            new InboxLinks($"/api/v1/documents/{i.DocumentId}", $"{baseUrl}/{i.DocumentId}/payload", $"{baseUrl}/{i.DocumentId}/ack"))).ToList()));
    }

    private static async Task<IResult> PayloadAsync(HttpContext http, string institutionId, Guid id, IHubStore store, CancellationToken cancellationToken)
    {
        var document = await store.GetDocumentAsync(id, cancellationToken);
        if (document is null || !ApiKeyFilter.Of(http).MayActFor(institutionId) || document.ReceiverId != institutionId || document.Direction != Abstractions.Direction.Inbound
            || document.Status is not (DocumentStatus.Delivered or DocumentStatus.Acknowledged))
        {
            // Same answer whether the document exists for someone else or not at all: no existence oracle.
            return Problems.Of(ExchangeErrors.ApiNotFound, $"No document {id} in this inbox.");
        }
        return TypedResults.Bytes(document.SignedPayload ?? document.Payload, "application/xml");
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext http, string institutionId, Guid id, IHubStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ApiKeyFilter.Of(http).MayActFor(institutionId))
        {
            return Problems.Of(ExchangeErrors.ApiNotFound, $"No document {id} waiting in this inbox.");
        }
        var evt = new NewAuditEvent(id, time.GetUtcNow(), "deliver", "acknowledged", null,
            new Dictionary<string, string> { ["institution"] = institutionId, ["channel"] = "inbox" });
        return await store.AcknowledgeAsync(institutionId, id, evt, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Of(ExchangeErrors.ApiNotFound, $"No document {id} waiting in this inbox.");
    }

    private static bool IsServedInstitution(string id, InstitutionDirectory directory, HubOptions hub) =>
        directory.FindInstitution(id) is { } institution && institution.Country == hub.Country;

    private static string Short(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
