using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>Institutions hand documents to the hub and follow them.</summary>
internal static class DocumentEndpoints
{
    public static void MapDocumentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/documents").WithTags("Documents").AddEndpointFilter<ApiKeyFilter>();
        group.MapPost("/", SubmitAsync)
            .WithSummary("Submit an SBDH+SED XML document (application/xml) or a JSON envelope (application/json).")
            .Produces<AcceptedDocument>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        group.MapGet("/{id:guid}", GetAsync)
            .WithSummary("A document's status and ordered audit trail.")
            .Produces<DocumentView>()
            .ProducesProblem(404);
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, HttpRequest request, IntakeService intake, CdmJsonConverter json, IOptions<IntakeOptions> limits, CancellationToken cancellationToken)
    {
        var kind = BodyReader.Classify(request, allowJson: true, "accept", out var mediaError);
        if (kind is null)
        {
            return await RefusedAsync(intake, mediaError!, cancellationToken);
        }
        var (body, readError) = await BodyReader.ReadAsync(request, limits.Value.MaxDocumentBytes, "accept", cancellationToken);
        if (body is null)
        {
            return await RefusedAsync(intake, readError!, cancellationToken);
        }
        IReadOnlyDictionary<string, string>? pointers = null;
        if (kind == BodyKind.Json)
        {
            var converted = json.TryToXml(body, out var jsonError);
            if (converted is null)
            {
                return await RefusedAsync(intake, jsonError!, cancellationToken);
            }
            (body, pointers) = (converted.Bytes, converted.Pointers);
            if (body.Length > limits.Value.MaxDocumentBytes)
            {
                return await RefusedAsync(intake, BodyReader.TooLarge("accept", limits.Value.MaxDocumentBytes), cancellationToken);
            }
        }

        var caller = ApiKeyFilter.Of(http);
        var result = await intake.SubmitAsync(Direction.Outbound, body, cancellationToken, caller.Institutions, pointers);
        if (result.Outcome == IntakeOutcome.Rejected)
        {
            return Problems.From(result.Error!, result.DocumentId);
        }
        var self = $"/api/v1/documents/{result.DocumentId}";
        return TypedResults.Accepted(self, new AcceptedDocument(result.DocumentId, result.Status, result.Outcome == IntakeOutcome.Duplicate, new DocumentLinks(self)));
    }

    private static async Task<IResult> RefusedAsync(IntakeService intake, ExchangeError error, CancellationToken cancellationToken)
    {
        var refused = await intake.RefuseAsync(Direction.Outbound, error, cancellationToken);
        return Problems.From(error, refused.DocumentId);
    }

    private static async Task<IResult> GetAsync(HttpContext http, Guid id, IHubStore store, CancellationToken cancellationToken)
    {
        var (document, events) = await store.GetDocumentWithTrailAsync(id, cancellationToken);
        var caller = ApiKeyFilter.Of(http);
        var visible = document is null
            ? events.Count > 0 && caller.MayActFor(events[0].Facts.GetValueOrDefault("sender"))
            : caller.MayActFor(document.SenderId) || caller.MayActFor(document.ReceiverId);
        // Another institution's document answers exactly like a missing one: no existence oracle.
        if (!visible)
        {
            return Problems.Of(ExchangeErrors.ApiNotFound, $"No document {id}.");
        }
        var views = events.Select(e => new AuditEventView(e.Sequence, e.At, e.Stage, e.Event, e.Code, e.Facts)).ToList();
        return TypedResults.Ok(document is null
            ? new DocumentView(id, DocumentStatus.Rejected, null, null, null, null, null, null, null, null, null, null, views)
            : new DocumentView(id, document.Status, document.Direction.ToWireName(), document.SedType, document.CaseId,
                document.BusinessService, document.SenderId, document.ReceiverId, document.AccessPointId, document.ReceiptId,
                document.CreatedAt, document.UpdatedAt, views));
    }
}
