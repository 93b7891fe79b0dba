using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Host;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The sending side of mutual TLS (ADR 0011): a server at the P-Mode's URL whose certificate is not one registered for
/// the P-Mode's access point is refused during the handshake; no request reaches it and the dispatch policy fails the document.
/// </summary>
public sealed class As4MutualTlsImpostorTests : IClassFixture<As4MutualTlsImpostorTests.ImpostorRig>
{
    private readonly ImpostorRig _rig;

    public As4MutualTlsImpostorTests(ImpostorRig rig) => _rig = rig;

    [Fact]
    public async Task The_sender_refuses_a_server_whose_certificate_is_not_registered_for_the_access_point_and_the_document_is_not_delivered()
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);

        var view = await _rig.WaitForAsync(Guid.Parse(body["id"]!.GetValue<string>()), "delivered", "failed");

        Assert.Equal("failed", view.Status);
        Assert.DoesNotContain(view.Events, e => e.Event == "delivered");
        Assert.Contains(view.Events, e => e.Event == "retry-scheduled"); // the TLS refusal is treated as an unreachable partner
        Assert.Equal(0, _rig.RequestsReceived); // refused in the handshake: not one request was sent to it
    }

    /// <summary>The usual rig with AS4 dispatch to an impostor: real TLS on loopback, with a certificate named BE:AP0001 that nobody registered.</summary>
    public sealed class ImpostorRig : HubRig
    {
        private readonly X509Certificate2 _certificate = TestCertificates.SelfSigned("BE:AP0001");
        private WebApplication? _impostor;
        private int _requests;

        public int RequestsReceived => Volatile.Read(ref _requests);

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "impostor",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = new Uri(ServerAddress.Of(_impostor!), "/as4").ToString(),
            ["Hub:As4:PModes:0:RetryCount"] = "2", // reception awareness per P-Mode: three attempts, 200 ms apart
            ["Hub:As4:PModes:0:RetryInterval"] = "00:00:00.200",
        };

        public override async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
            _impostor = builder.Build();
            _impostor.MapPost("/as4", () =>
            {
                Interlocked.Increment(ref _requests);
                return Results.StatusCode(500);
            });
            await _impostor.StartAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            if (_impostor is not null)
            {
                await _impostor.StopAsync();
                await _impostor.DisposeAsync();
            }
            _certificate.Dispose();
            await base.DisposeAsync();
        }
    }
}
