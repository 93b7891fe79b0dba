using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>Maps <see cref="ExchangeError"/> values to RFC 9457 problem details with a stable <c>code</c>.</summary>
internal static class Problems
{
    public static IResult From(ExchangeError error, Guid? documentId = null)
    {
        var definition = ExchangeErrors.All.TryGetValue(error.Code, out var d) ? d : ExchangeErrors.All[ExchangeErrors.HubInternal];
        var extensions = new Dictionary<string, object?>
        {
            ["code"] = error.Code,
            ["titleFr"] = definition.TitleFr,
            ["stage"] = error.Stage,
        };
        if (documentId is { } id)
        {
            extensions["documentId"] = id;
        }
        if (error.Findings is { Count: > 0 } findings)
        {
            extensions["findings"] = findings;
        }
        return TypedResults.Problem(
            detail: error.Detail,
            statusCode: definition.HttpStatus,
            title: definition.Title,
            type: TypeUri(error.Code),
            extensions: extensions);
    }

    public static IResult Of(string code, string detail) => From(ExchangeErrors.Permanent(code, "api", detail));

    public static string TypeUri(string code) => "urn:cleiss:exchange:error:" + code;
}
