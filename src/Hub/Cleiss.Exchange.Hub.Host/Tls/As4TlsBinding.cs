using System.Text;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Adapters.As4.Tls;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.AspNetCore.Connections.Features;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>
/// Mutual TLS at the message level (ADR 0011): on the mutual-TLS listener, the client certificate must belong to the
/// access point serving the message's sender (the one whose registered certificate verified the signature) and pass
/// the certificate checks; and, when <c>Hub:As4:Tls:Required</c>, <c>/as4</c> is refused on any other connection.
/// </summary>
public static class As4TlsBinding
{
    /// <summary>The connection item set on connections of the mutual-TLS listener.</summary>
    internal const string ListenerMark = "cleiss.as4.mtls";

    /// <summary>True when the request came through the mutual-TLS listener.</summary>
    public static bool IsMutualTls(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ListenerMark) == true;

    /// <summary>
    /// Why the connection may not carry a message from <paramref name="accessPointId"/>'s institutions, or null. Runs per
    /// message; null on a connection outside the mutual-TLS listener (refused earlier when mutual TLS is required).
    /// </summary>
    public static async Task<string?> ProblemAsync(HttpContext context, string accessPointId, string messageId, CancellationToken cancellationToken)
    {
        if (!IsMutualTls(context))
        {
            return null;
        }
        var services = context.RequestServices;
        var certificate = await context.Connection.GetClientCertificateAsync(cancellationToken);
        string? problem;
        if (certificate is null)
        {
            problem = "no client certificate";
        }
        else if (!As4PartnerTls.IsOneOf(services.GetRequiredService<TrustStore>().FindAll(accessPointId), certificate))
        {
            problem = "the TLS client certificate is not registered for the sender's access point";
        }
        else
        {
            var check = await services.GetRequiredService<CertificateValidator>().CheckNowAsync(certificate, cancellationToken);
            services.GetRequiredService<As4ClientCertificateGate>().Remember(certificate, check);
            problem = check.IsValid ? null : $"the TLS client certificate fails the certificate checks ({check.Code})";
        }
        if (problem is not null)
        {
            As4TlsLog.BindingRefused(Logger(services), messageId,
                certificate is null ? "none" : SigningKeyStore.KeyId(certificate), accessPointId, problem);
        }
        return problem;
    }

    /// <summary>
    /// Before the endpoints: on the mutual-TLS listener only <c>/as4</c> is served (404 otherwise); elsewhere, when mutual
    /// TLS is required, <c>/as4</c> gets a signed ebMS FailedAuthentication error (403) before its body is read.
    /// </summary>
    public static async Task GateAsync(HttpContext context, RequestDelegate next, As4TlsOptions options)
    {
        if (!options.Enabled)
        {
            await next(context);
            return;
        }
        var isAs4 = context.Request.Path.Equals("/as4", StringComparison.OrdinalIgnoreCase);
        if (IsMutualTls(context) && !isAs4)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!IsMutualTls(context) && isAs4 && options.Required)
        {
            var services = context.RequestServices;
            As4TlsLog.PlainRefused(Logger(services), context.Connection.RemoteIpAddress?.ToString() ?? "?");
            var time = services.GetRequiredService<TimeProvider>();
            var signal = As4SignalBuilder.Error($"{Guid.NewGuid():N}@cleiss.exchange", time.GetUtcNow(), null, EbmsErrors.FailedAuthentication,
                "AS4 is received over mutual TLS only (Hub:As4:Tls:Required).");
            var envelope = WsSecuritySigner.Sign(signal, [], services.GetRequiredService<SigningKeyStore>().Current).Envelope;
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/soap+xml; charset=utf-8";
            await context.Response.WriteAsync(envelope, Encoding.UTF8, context.RequestAborted);
            return;
        }
        await next(context);
    }

    private static ILogger Logger(IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(As4TlsBinding).FullName!);
}
