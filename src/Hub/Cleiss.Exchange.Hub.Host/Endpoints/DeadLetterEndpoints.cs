using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>The reason an operator gives when discarding a dead letter.</summary>
public sealed record DiscardRequest(string? Reason);

/// <summary>The dead letters and their causes.</summary>
public sealed record DeadLetterList(IReadOnlyList<DeadLetter> Items, IReadOnlyList<DeadLetterGroup> Groups);

/// <summary>
/// The operators' dead-letter queue (<c>/api/v1/dead-letters</c>): list and group failed documents by cause, inspect
/// one, replay one or a cause (re-validated against the current pack first), discard one with a reason. Operators
/// only (<c>Hub:Clients:N:Operator</c>, or the open API); every action is audited with the operator's name.
/// </summary>
internal static class DeadLetterEndpoints
{
    public static void MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/dead-letters").WithTags("Dead letters").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter(async (context, next) =>
            ApiKeyFilter.Of(context.HttpContext).IsOperator ? await next(context) : Problems.Of(ExchangeErrors.ApiForbidden, "Dead letters are for operators."));
        group.MapGet("/", ListAsync).WithSummary("Failed documents with their last failure, and their groups by cause (code, partner, SED type).")
            .Produces<DeadLetterList>().ProducesProblem(403);
        group.MapGet("/{id:guid}", GetAsync).WithSummary("One dead letter.").Produces<DeadLetter>().ProducesProblem(404);
        group.MapPost("/{id:guid}/replay", ReplayAsync).WithSummary("Re-validate against the current pack, then put back on the stage log.")
            .Produces<ReplayResult>().ProducesProblem(409).ProducesProblem(422);
        group.MapPost("/replay", ReplayGroupAsync).WithSummary("Replay every dead letter of a cause (?code=&accessPoint=&sedType=).")
            .Produces<IReadOnlyList<ReplayResult>>().ProducesProblem(400);
        group.MapPost("/{id:guid}/discard", DiscardAsync).WithSummary("Discard with a reason (kept, audited, never replayed).")
            .Produces(204).ProducesProblem(400).ProducesProblem(409);
    }

    private static async Task<IResult> ListAsync(DeadLetterService letters, CancellationToken cancellationToken)
    {
        var items = await letters.ListAsync(cancellationToken);
        return TypedResults.Ok(new DeadLetterList(items, DeadLetterService.Group(items)));
    }

    private static async Task<IResult> GetAsync(Guid id, DeadLetterService letters, CancellationToken cancellationToken) =>
        (await letters.ListAsync(cancellationToken)).FirstOrDefault(d => d.DocumentId == id) is { } letter
            ? TypedResults.Ok(letter)
            : Problems.Of(ExchangeErrors.ApiNotFound, $"No dead letter {id}.");

    private static async Task<IResult> ReplayAsync(HttpContext http, Guid id, DeadLetterService letters, CancellationToken cancellationToken)
    {
        var result = await letters.ReplayAsync(id, ApiKeyFilter.Of(http).Name, cancellationToken);
        return result.Outcome switch
        {
            "replayed" => TypedResults.Ok(result),
            "invalid" => Problems.Of(result.Code!, $"Not replayed: the document fails the current pack ({result.Detail})."),
            _ => Problems.Of(ExchangeErrors.ApiConflict, $"Document {id} is not failed."),
        };
    }

    private static async Task<IResult> ReplayGroupAsync(HttpContext http, string? code, string? accessPoint, string? sedType, DeadLetterService letters, CancellationToken cancellationToken) =>
        code is null || accessPoint is null || sedType is null
            ? Problems.Of(ExchangeErrors.ApiBadRequest, "code, accessPoint and sedType name the cause to replay.")
            : TypedResults.Ok(await letters.ReplayGroupAsync(code, accessPoint, sedType, ApiKeyFilter.Of(http).Name, cancellationToken));

    private static async Task<IResult> DiscardAsync(HttpContext http, Guid id, DiscardRequest request, DeadLetterService letters, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return Problems.Of(ExchangeErrors.ApiBadRequest, "A reason is required to discard a document.");
        }
        return await letters.DiscardAsync(id, request.Reason.Trim(), ApiKeyFilter.Of(http).Name, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Of(ExchangeErrors.ApiConflict, $"Document {id} is not failed.");
    }
}
