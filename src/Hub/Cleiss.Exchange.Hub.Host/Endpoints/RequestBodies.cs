using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>
/// Describes the raw request bodies in the OpenAPI document. The endpoints read their bodies
/// themselves (size cap, media type check with a coded 415 and an audit entry), so they carry no
/// Accepts metadata, which would make routing answer 415 on its own, without code or audit.
/// </summary>
internal static class RequestBodies
{
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.HttpMethod != "POST")
        {
            return Task.CompletedTask;
        }
        var types = context.Description.RelativePath?.TrimEnd('/') switch
        {
            "api/v1/documents" => new[] { "application/xml", "application/json" },
            "ap/v1/messages" => ["application/xml"],
            _ => null,
        };
        if (types is not null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "An SBDH + SED document (XML), or the JSON envelope described in docs/api.md.",
                Content = types.ToDictionary(t => t, _ => new OpenApiMediaType()),
            };
        }
        return Task.CompletedTask;
    }
}
