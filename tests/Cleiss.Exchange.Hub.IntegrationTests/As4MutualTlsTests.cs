using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Tls;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Mutual TLS between access points (ADR 0011), real TLS on 127.0.0.1: the Belgian hub receives /as4 only on its
/// mutual-TLS listener; the French hub sends to it over https, presenting its access point certificate and pinning the
/// Belgian one from its trust store.
/// </summary>
public sealed class As4MutualTlsTests : IClassFixture<As4MutualTlsTests.MutualTlsRig>
{
    private readonly MutualTlsRig _rig;

    public As4MutualTlsTests(MutualTlsRig rig) => _rig = rig;

    [Fact]
    public async Task Two_hubs_exchange_over_AS4_with_mutual_TLS_and_the_document_ends_delivered_with_proof()
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);

        var view = await _rig.WaitForAsync(Guid.Parse(body["id"]!.GetValue<string>()), "delivered", "failed");

        Assert.True(view.Status == "delivered", string.Join(" | ", view.Events.Select(e => $"{e.Event} {e.Code} {string.Join(",", e.Facts.Select(f => f.Key + "=" + f.Value))}")));
        var delivered = view.Events.Single(e => e.Event == "delivered").Facts;
        Assert.Equal("be-hub-tls", delivered["pmode"]);
        Assert.Equal("BE:AP0001", delivered["receiptIssuer"]);
        var inbox = await _rig.BelgianApi.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox");
        Assert.Single(inbox!.Items, i => i.CaseId == view.CaseId);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused_at_the_handshake()
    {
        var (sent, _) = _rig.UserMessage();
        using var client = TestCertificates.Client(null, _rig.BelgianCertificate);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => TestCertificates.PostAsync(client, _rig.BelgianAs4, sent.Body, sent.ContentType));
    }

    [Fact]
    public async Task A_client_certificate_not_in_the_trust_store_is_refused_at_the_handshake()
    {
        var (sent, _) = _rig.UserMessage();
        using var stranger = TestCertificates.SelfSigned("FR:AP0001"); // the right name, but never registered
        using var client = TestCertificates.Client(stranger, _rig.BelgianCertificate);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => TestCertificates.PostAsync(client, _rig.BelgianAs4, sent.Body, sent.ContentType));
    }

    [Fact]
    public async Task A_registered_client_certificate_of_another_access_point_than_the_senders_gets_FailedAuthentication_and_nothing_is_stored()
    {
        var (sent, messageId) = _rig.UserMessage();
        // HTTP/2 here (HTTP/1.1 elsewhere): the binding must hold on both.
        using var wrong = TestCertificates.Client(_rig.OtherAccessPointCertificate, _rig.BelgianCertificate, http2: true);
        using var right = TestCertificates.Client(_rig.FrenchKey().Certificate, _rig.BelgianCertificate, http2: true);
        var messageIds = _rig.Belgium.Services.GetRequiredService<IMessageIdStore>();

        var (status, answer) = await TestCertificates.PostAsync(wrong, _rig.BelgianAs4, sent.Body, sent.ContentType);
        var afterRefusal = await messageIds.FindAsync(messageId, CancellationToken.None);
        var (control, _) = await TestCertificates.PostAsync(right, _rig.BelgianAs4, sent.Body, sent.ContentType);

        Assert.Equal(403, status);
        var signal = As4MessageReader.TryRead(answer, new As4ReaderLimits(), out _)!.Messaging!.SignalMessages.Single();
        Assert.Equal("EBMS:0101", Assert.Single(signal.Errors).ErrorCode);
        Assert.Null(afterRefusal);
        Assert.Equal(200, control); // the same message over the sender's own access point certificate is accepted
    }

    [Fact]
    public async Task A_registered_client_certificate_that_fails_the_certificate_checks_gets_FailedAuthentication_then_is_refused_at_the_handshake()
    {
        var (sent, messageId) = _rig.UserMessage();
        using var client = TestCertificates.Client(_rig.FrenchCaCertificate, _rig.BelgianCertificate);
        using var again = TestCertificates.Client(_rig.FrenchCaCertificate, _rig.BelgianCertificate);

        var (status, answer) = await TestCertificates.PostAsync(client, _rig.BelgianAs4, sent.Body, sent.ContentType);
        var retry = await Record.ExceptionAsync(() => TestCertificates.PostAsync(again, _rig.BelgianAs4, sent.Body, sent.ContentType));

        Assert.Equal(403, status);
        var signal = As4MessageReader.TryRead(answer, new As4ReaderLimits(), out _)!.Messaging!.SignalMessages.Single();
        Assert.Equal("EBMS:0101", Assert.Single(signal.Errors).ErrorCode);
        Assert.Null(await _rig.Belgium.Services.GetRequiredService<IMessageIdStore>().FindAsync(messageId, CancellationToken.None));
        Assert.IsType<HttpRequestException>(retry); // a new connection: refused in the handshake now
    }

    [Fact]
    public async Task Plain_HTTP_AS4_is_refused_when_mutual_TLS_is_required()
    {
        var (sent, messageId) = _rig.UserMessage();
        using var client = new HttpClient { Timeout = HubRig.Patience };

        var (status, answer) = await TestCertificates.PostAsync(client, new Uri(ServerAddress.Of(_rig.Belgium), "/as4"), sent.Body, sent.ContentType);

        Assert.Equal(403, status);
        var signal = As4MessageReader.TryRead(answer, new As4ReaderLimits(), out _)!.Messaging!.SignalMessages.Single();
        Assert.Equal("EBMS:0101", Assert.Single(signal.Errors).ErrorCode);
        Assert.Null(await _rig.Belgium.Services.GetRequiredService<IMessageIdStore>().FindAsync(messageId, CancellationToken.None));
    }

    /// <summary>The usual rig (French hub, AS4 dispatch over https) plus a Belgian hub with mutual TLS required.</summary>
    public sealed class MutualTlsRig : HubRig
    {
        private static readonly As4PMode FrenchToBelgian = new() { Id = "fr-to-be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };

        public WebApplication Belgium { get; private set; } = null!;

        public HttpClient BelgianApi { get; private set; } = null!;

        /// <summary>The Belgian /as4 on its mutual-TLS listener.</summary>
        public Uri BelgianAs4 => new(Belgium.Services.GetRequiredService<As4TlsListener>().Address!, "/as4");

        /// <summary>A certificate registered at the Belgian hub for another access point (BE:AP0001) than the French senders'.</summary>
        public X509Certificate2 OtherAccessPointCertificate { get; } = TestCertificates.SelfSigned("BE:AP0001");

        /// <summary>A second certificate registered at the Belgian hub for FR:AP0001, marked as a CA: the certificate checks refuse it.</summary>
        public X509Certificate2 FrenchCaCertificate { get; } = TestCertificates.SelfSigned("FR:AP0001", certificateAuthority: true);

        private string BelgianData => Path.Combine(Root, "be-hub");

        /// <summary>The Belgian hub's certificate (TLS server and signatures).</summary>
        public X509Certificate2 BelgianCertificate => X509Certificate2.CreateFromPem(File.ReadAllText(SigningKeyStore.CertificatePath(BelgianData)));

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "be-hub-tls",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = BelgianAs4.ToString(),
        };

        public SigningCredentials FrenchKey() =>
            new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = HubData }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

        /// <summary>A fresh French SED, business-signed and wrapped in an AS4 user message signed by the French hub's key.</summary>
        public (As4OutboundMessage Sent, string MessageId) UserMessage()
        {
            var stored = Fresh("valid/A001-outbound-1.xml");
            var document = HardenedXml.TryLoad(stored, new IntakeOptions(), "test", out _)!;
            var header = SbdhReader.TryRead(document, out _, out _)!;
            var key = FrenchKey();
            var sed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, key, out _);
            var messageId = $"{Guid.NewGuid():N}@fr.example";
            var request = new As4UserMessageRequest(messageId, DateTimeOffset.UtcNow, header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, sed);
            return (As4MessageBuilder.UserMessage(FrenchToBelgian, request, key), messageId);
        }

        public override async Task InitializeAsync()
        {
            Directory.CreateDirectory(TrustStore.Folder(BelgianData));
            File.WriteAllText(Path.Combine(TrustStore.Folder(BelgianData), "other-ap.pem"), OtherAccessPointCertificate.ExportCertificatePem());
            Belgium = HubApp.Build(new HubHostSettings
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = BelgianData,
                Configuration = new Dictionary<string, string?>
                {
                    ["Hub:AccessPointId"] = "BE:AP0001",
                    ["Hub:As4:Tls:Enabled"] = "true",
                    ["Hub:As4:Tls:Url"] = "https://127.0.0.1:0",
                    ["Logging:LogLevel:Default"] = "Warning",
                },
            });
            await Belgium.StartAsync();
            BelgianApi = new HttpClient { BaseAddress = ServerAddress.Of(Belgium), Timeout = Patience };
            // The French hub pins the Belgian hub's certificate (its TLS and signing certificate).
            Trust(BelgianData, HubData, "be-hub.pem");
            await base.InitializeAsync();
            // The Belgian hub registers the French hub's certificate (signatures and TLS client).
            Trust(HubData, BelgianData, "fr.pem");
            // Both before the Belgian hub first looks up FR:AP0001: the trust store reads its folder again only on a miss.
            File.WriteAllText(Path.Combine(TrustStore.Folder(BelgianData), "fr-ca.pem"), FrenchCaCertificate.ExportCertificatePem());
        }

        public override async Task DisposeAsync()
        {
            BelgianApi?.Dispose();
            await StopAsync(Belgium);
            OtherAccessPointCertificate.Dispose();
            FrenchCaCertificate.Dispose();
            await base.DisposeAsync();
        }
    }
}
