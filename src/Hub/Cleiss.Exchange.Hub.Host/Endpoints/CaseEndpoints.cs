using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>A case (BUC instance) as the hub tracks it, for its participants.</summary>
internal static class CaseEndpoints
{
    public static void MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cases/{caseId}", GetAsync).WithTags("Cases").AddEndpointFilter<ApiKeyFilter>()
            .WithSummary("A case's BUC, pinned version, status, participants and documents (type, invalidated).")
            .Produces<CaseState>().ProducesProblem(404);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string caseId, ICaseStore cases, CancellationToken cancellationToken)
    {
        var state = await cases.GetCaseAsync(caseId, cancellationToken);
        var caller = ApiKeyFilter.Of(http);
        // Only a participant sees a case; for anyone else it does not exist.
        return state is not null && (caller.Institutions is null || state.Participants.Any(caller.MayActFor))
            ? TypedResults.Ok(state)
            : Problems.Of(ExchangeErrors.ApiNotFound, "No such case.");
    }
}
