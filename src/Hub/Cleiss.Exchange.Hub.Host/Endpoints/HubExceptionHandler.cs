using Cleiss.Exchange.Hub.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>
/// The API's last line of defence: a store that cannot write durably answers 503 (nothing was
/// acknowledged), anything else 500 with a code and no stack trace.
/// </summary>
internal sealed class HubExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (code, status, detail) = exception switch
        {
            HubStorageException => (ExchangeErrors.HubStorageUnavailable, 503, "The document was not accepted: the store cannot write durably. Try again later."),
            BadHttpRequestException { StatusCode: 413 } => (ExchangeErrors.IngestTooLarge, 413, "The request body is larger than allowed."),
            BadHttpRequestException bad => (ExchangeErrors.ApiBadRequest, bad.StatusCode, "The request is malformed."),
            _ => (ExchangeErrors.HubInternal, 500, "An unexpected error occurred; it has been logged."),
        };
        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails
        {
            Status = status,
            Title = ExchangeErrors.All[code].Title,
            Detail = detail,
            Type = Problems.TypeUri(code),
        };
        problem.Extensions["code"] = code;
        problem.Extensions["titleFr"] = ExchangeErrors.All[code].TitleFr;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
