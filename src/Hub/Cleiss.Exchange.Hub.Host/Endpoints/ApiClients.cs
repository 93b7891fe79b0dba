using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>One institution-side client of the API (an adapter or an institution's system).</summary>
public sealed class ApiClient
{
    /// <summary>A name for logs and audit (not secret).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>SHA-256 of the client's API key, lowercase hex. The key itself is never stored.</summary>
    public string ApiKeySha256 { get; set; } = string.Empty;

    /// <summary>The institutions this client may send for and read the documents and inboxes of.</summary>
    public List<string> Institutions { get; set; } = [];

    /// <summary>An operator of the liaison body: may list, replay and discard dead letters (of every institution).</summary>
    public bool Operator { get; set; }
}

/// <summary>
/// API clients (<c>Hub:Clients</c>). With none configured the API is open (the embedded demo), and the
/// hub says so at start; with clients, every <c>/api/v1</c> call needs <c>Authorization: ApiKey &lt;key&gt;</c>.
/// </summary>
public sealed class ApiClientOptions
{
    public const string SectionName = "Hub";

    /// <summary>The clients. Empty by default (open API).</summary>
    public List<ApiClient> Clients { get; set; } = [];
}

/// <summary>Checks the clients at start: a bad key hash would otherwise fail every call.</summary>
internal sealed class ApiClientOptionsValidator : IValidateOptions<ApiClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiClientOptions options)
    {
        foreach (var client in options.Clients)
        {
            if (client.ApiKeySha256.Length != 64 || !client.ApiKeySha256.All(char.IsAsciiHexDigit))
            {
                return ValidateOptionsResult.Fail($"Hub:Clients '{client.Name}': ApiKeySha256 must be 64 hexadecimal characters (the SHA-256 of the key).");
            }
            if (client.Institutions.Count == 0 && !client.Operator)
            {
                return ValidateOptionsResult.Fail($"Hub:Clients '{client.Name}': Institutions must name at least one institution (or the client must be an Operator).");
            }
        }
        return ValidateOptionsResult.Success;
    }
}

/// <summary>Who is calling: the authenticated client, or nobody in open mode.</summary>
internal sealed record Caller(ApiClient? Client)
{
    /// <summary>The institutions the caller may act for; null when the API is open.</summary>
    public IReadOnlySet<string>? Institutions { get; } = Client is null ? null : new HashSet<string>(Client.Institutions, StringComparer.Ordinal);

    public bool MayActFor(string? institution) => Institutions is null || (institution is not null && Institutions.Contains(institution));

    /// <summary>An operator, or anyone when the API is open.</summary>
    public bool IsOperator => Client is null || Client.Operator;

    /// <summary>Who the audit trail names for an operator action.</summary>
    public string Name => Client?.Name ?? "open-api";
}

/// <summary>
/// Authenticates API calls by API key (constant-time comparison of SHA-256 digests) and leaves the
/// <see cref="Caller"/> in the request for the endpoints; 401 with code API.UNAUTHENTICATED otherwise.
/// </summary>
internal sealed class ApiKeyFilter(IOptions<ApiClientOptions> options) : IEndpointFilter
{
    private const string Scheme = "ApiKey ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var clients = options.Value.Clients;
        var http = context.HttpContext;
        if (clients.Count == 0)
        {
            http.Items[typeof(Caller)] = new Caller(null);
            return await next(context);
        }
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return Unauthenticated(http);
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        ApiClient? match = null;
        foreach (var client in clients)
        {
            // Compare every digest in constant time, whatever matches first.
            if (client.ApiKeySha256.Length == 64 && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(client.ApiKeySha256)))
            {
                match = client;
            }
        }
        if (match is null)
        {
            return Unauthenticated(http);
        }
        http.Items[typeof(Caller)] = new Caller(match);
        return await next(context);
    }

    public static Caller Of(HttpContext http) => http.Items[typeof(Caller)] as Caller ?? new Caller(null);

    private static IResult Unauthenticated(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "ApiKey";
        return Problems.Of(ExchangeErrors.ApiUnauthenticated, "An API key is required: Authorization: ApiKey <key>.");
    }
}
