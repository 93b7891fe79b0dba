using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Adapters.As4.Tls;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>Wires mutual TLS between access points into the host (ADR 0011): listeners, the partner client, the /as4 gate.</summary>
public static class As4TlsHosting
{
    /// <summary>
    /// Binds the hub's URLs and, when <c>Hub:As4:Tls:Enabled</c>, the mutual-TLS listener. Kestrel ignores
    /// <c>UseUrls</c> once any endpoint is bound in code, so with mutual TLS on the hub's URLs are bound here too.
    /// </summary>
    public static void ListenForHub(this WebApplicationBuilder builder, string urls)
    {
        builder.Services.AddOptions<As4TlsOptions>().BindConfiguration(As4TlsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<As4TlsOptions>, As4TlsOptionsValidator>();
        builder.Services.AddSingleton<As4TlsIdentity>();
        builder.Services.AddSingleton<As4ClientCertificateGate>();
        builder.Services.AddSingleton<As4TlsListener>();
        builder.Services.AddHostedService<As4TlsStartupCheck>();
        var tls = builder.Configuration.GetSection(As4TlsOptions.SectionName).Get<As4TlsOptions>() ?? new As4TlsOptions();
        if (!tls.Enabled)
        {
            builder.WebHost.UseUrls(urls);
            return;
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var address = BindingAddress.Parse(url);
                Action<ListenOptions> configure = address.Scheme == Uri.UriSchemeHttps ? listen => listen.UseHttps() : _ => { };
                if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
                {
                    kestrel.ListenLocalhost(address.Port, configure);
                }
                else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
                {
                    kestrel.Listen(ip, address.Port, configure);
                }
                else
                {
                    kestrel.ListenAnyIP(address.Port, configure);
                }
            }
            ListenMutualTls(kestrel, tls);
        });
    }

    /// <summary>The <c>as4-partners</c> client presents the hub's certificate and pins partners' (see <see cref="As4PartnerTlsHandler"/>).</summary>
    public static IHttpClientBuilder AddAs4PartnerTls(this IHttpClientBuilder builder) => builder
        .ConfigurePrimaryHttpMessageHandler(services => new As4PartnerTlsHandler(
            services.GetRequiredService<IOptionsMonitor<As4Options>>(), services.GetRequiredService<TrustStore>(), services.GetRequiredService<CertificateValidator>(),
            services.GetRequiredService<As4TlsIdentity>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<As4PartnerTlsHandler>()));

    /// <summary>With mutual TLS on: only /as4 on its listener, and /as4 refused elsewhere when required (<see cref="As4TlsBinding.GateAsync"/>).</summary>
    public static void UseAs4Tls(this WebApplication app) =>
        // The options are read per request, not here: a bad Hub:As4:Tls must fail at start with the validator's message.
        app.Use((context, next) => As4TlsBinding.GateAsync(context, next, context.RequestServices.GetRequiredService<IOptions<As4TlsOptions>>().Value));

    private static void ListenMutualTls(KestrelServerOptions kestrel, As4TlsOptions tls)
    {
        var services = kestrel.ApplicationServices;
        if (!Uri.TryCreate(tls.Url, UriKind.Absolute, out var url) || !IPAddress.TryParse(url.Host.Trim('[', ']'), out var address))
        {
            return; // As4TlsOptionsValidator stops the boot with the reason
        }
        var identity = services.GetRequiredService<As4TlsIdentity>(); // checked at start by As4TlsStartupCheck
        var gate = services.GetRequiredService<As4ClientCertificateGate>();
        kestrel.Listen(address, url.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(next => connection =>
            {
                connection.Items[As4TlsBinding.ListenerMark] = true;
                return next(connection);
            });
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                HandshakeTimeout = tls.HandshakeTimeout,
                OnConnection = context =>
                {
                    var remote = context.Connection.RemoteEndPoint?.ToString() ?? "?";
                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = identity.ServerContext(),
                        ClientCertificateRequired = true,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // CRLs: CertificateValidator, per message
                        CertificateChainPolicy = As4PartnerTls.NoOperatingSystemTrust(),
                        // The TLS stack's own chain verdict is ignored: registration decides (As4ClientCertificateGate).
                        RemoteCertificateValidationCallback = (_, certificate, _, _) => gate.Accepts(certificate, remote),
                    });
                },
            });
            services.GetRequiredService<As4TlsListener>().Options = listen;
        });
    }
}
