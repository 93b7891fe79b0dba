using System.Net.Http.Headers;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.As4;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// AS4 pull between two hubs on loopback. The French hub has a pull P-Mode for BE:AP0001 with one MPC per Belgian
/// institution: it queues the signed user message instead of posting it. The Belgian hub pulls the MPC of one
/// institution (BE:ONSS00001) in a background loop; the MPC of another (BE:FAMI00001) is pulled by the test itself,
/// with the Belgian hub's key, to see what a pull hands out, to whom, and when a message leaves the queue.
/// </summary>
public sealed class TwoHubsAs4PullTests : IClassFixture<TwoHubsAs4PullTests.PullRig>
{
    private const string MpcBase = "urn:cleiss:mpc:fr-to-be";
    private readonly PullRig _rig;

    public TwoHubsAs4PullTests(PullRig rig) => _rig = rig;

    [Fact]
    public async Task The_Belgian_hub_pulls_a_queued_document_and_its_receipt_proves_delivery_then_the_MPC_answers_EBMS_0006()
    {
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());

        var view = await _rig.WaitForAsync(id, "delivered", "failed");

        Assert.True(view.Status == "delivered", Trail(view));
        Assert.Contains(view.Events, e => e.Event == "queued" && e.Facts["mpc"] == MpcBase + "/BE:ONSS00001");
        var delivered = view.Events.Single(e => e.Event == "delivered").Facts;
        Assert.Equal(("be-pull", "BE:AP0001", "Pull"), (delivered["pmode"], delivered["receiptIssuer"], delivered["mep"]));
        Assert.EndsWith("@fr.ap0001.eessi", delivered["as4MessageId"], StringComparison.Ordinal);
        Assert.True(delivered.ContainsKey("receiptKeyId") && delivered.ContainsKey("receiptRevocation"));
        var inbox = await _rig.BelgianApi.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(view.Receiver!)}/inbox");
        Assert.Equal("FR:CLEISS0002", Assert.Single(inbox!.Items, i => i.CaseId == view.CaseId).Sender);

        var empty = await _rig.PullAsync(MpcBase + "/BE:ONSS00001", _rig.BelgianKey);
        Assert.Equal(200, empty.Status);
        Assert.Equal("EBMS:0006", Assert.Single(Assert.Single(empty.Answer.Messaging!.SignalMessages).Errors).ErrorCode);
    }

    [Fact]
    public async Task Only_the_MPC_owner_gets_the_message_a_re_pull_gets_the_same_bytes_and_only_a_valid_receipt_removes_it()
    {
        const string Mpc = MpcBase + "/BE:FAMI00001";
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/F001-outbound-1.xml"));
        Assert.Equal(202, status);
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        var queuedView = await _rig.WaitForAsync(id, "queued", "failed");
        Assert.True(queuedView.Status == "queued", Trail(queuedView));
        var messageId = queuedView.Events.Single(e => e.Event == "queued").Facts["as4MessageId"];
        var queue = _rig.Hub.Services.GetRequiredService<IAs4PullStore>();

        // Refused, with nothing handed out: unsigned, signed by an unregistered key, another partner's MPC, an unknown MPC.
        var stranger = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = Path.Combine(_rig.Root, "stranger"), AccessPointId = "BE:AP0001" }),
            TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
        var refusals = new[]
        {
            await _rig.PullAsync(Mpc, null),
            await _rig.PullAsync(Mpc, stranger),
            await _rig.PullAsync("urn:cleiss:mpc:fr-to-de", _rig.BelgianKey),
            await _rig.PullAsync("urn:cleiss:mpc:unknown", _rig.BelgianKey),
        };
        Assert.All(refusals, r => Assert.Equal(403, r.Status));
        Assert.All(refusals, r => Assert.Empty(r.Answer.Messaging!.UserMessages));
        Assert.Equal(["EBMS:0103", "EBMS:0101", "EBMS:0101", "EBMS:0010"], refusals.Select(r => Assert.Single(Assert.Single(r.Answer.Messaging!.SignalMessages).Errors).ErrorCode));
        Assert.Equal(0, (await queue.FindQueuedAsync(messageId, CancellationToken.None))!.Pulls);

        // The owner pulls; before a receipt, a re-pull hands out exactly the same signed message.
        var first = await _rig.PullAsync(Mpc, _rig.BelgianKey);
        var again = await _rig.PullAsync(Mpc, _rig.BelgianKey);
        Assert.Equal((200, 200), (first.Status, again.Status));
        Assert.Equal(messageId, Assert.Single(first.Answer.Messaging!.UserMessages).MessageInfo!.MessageId);
        Assert.Equal(Mpc, first.Answer.Messaging.UserMessages[0].Mpc);
        Assert.Equal(first.ContentType, again.ContentType);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(2, (await queue.FindQueuedAsync(messageId, CancellationToken.None))!.Pulls);
        Assert.Equal("queued", (await _rig.GetAsync(id))!.Status);

        // A receipt that proves nothing (signed by a stranger) leaves it queued.
        var (receiptStatus, receipt) = await _rig.BelgianReceiveAsync(first);
        Assert.Equal(200, receiptStatus);
        var forged = WsSecuritySigner.Sign(As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@be", DateTimeOffset.UtcNow, messageId, first.Answer.Security!.Signatures[0].References), [], stranger);
        Assert.Equal(403, await _rig.PostSignalAsync(forged.Envelope));
        Assert.Equal("queued", (await _rig.GetAsync(id))!.Status);

        // The Belgian hub's receipt completes it; the same receipt again is harmless.
        Assert.Equal(200, await _rig.PostSignalAsync(receipt));
        Assert.Equal(200, await _rig.PostSignalAsync(receipt));
        var view = await _rig.GetAsync(id);
        Assert.Equal("delivered", view!.Status);
        Assert.Equal(messageId, Assert.Single(view.Events, e => e.Event == "delivered").Facts["as4MessageId"]);
        Assert.Null(await queue.FindQueuedAsync(messageId, CancellationToken.None));
        var empty = await _rig.PullAsync(Mpc, _rig.BelgianKey);
        Assert.Equal(200, empty.Status);
        Assert.Equal("EBMS:0006", Assert.Single(Assert.Single(empty.Answer.Messaging!.SignalMessages).Errors).ErrorCode);
    }

    [Fact]
    public async Task A_message_signed_long_before_it_was_pulled_is_accepted_when_pulled_but_not_when_pushed()
    {
        var french = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = _rig.HubData, AccessPointId = "FR:AP0001" }),
            TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
        As4Message Queued30MinutesAgo()
        {
            var stored = HubRig.Fresh("valid/F001-outbound-1.xml");
            var document = HardenedXml.TryLoad(stored, new IntakeOptions(), "test", out _)!;
            var header = SbdhReader.TryRead(document, out _, out _)!;
            var sed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, french, out _);
            var pmode = new As4PMode { Id = "be-pull", AccessPointId = "BE:AP0001", Mep = "Pull", Mpc = MpcBase };
            var signedAt = DateTimeOffset.UtcNow.AddMinutes(-30);
            var sent = As4MessageBuilder.UserMessage(pmode, new As4UserMessageRequest($"{Guid.NewGuid():N}@fr.ap0001.eessi", signedAt,
                header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, sed), french, signedAt);
            return As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray(), new As4ReaderLimits(), out _)!;
        }
        var receive = _rig.BelgianServices.GetRequiredService<As4ReceiveService>();

        var pushed = await receive.ReceiveUserMessageAsync(Queued30MinutesAgo(), CancellationToken.None);
        var pulled = await receive.ReceiveUserMessageAsync(Queued30MinutesAgo(), CancellationToken.None, pulled: true);

        Assert.Equal(403, pushed.Status); // S21: a replay window applies to what others push
        var refusal = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(pushed.SignedEnvelope!), new As4ReaderLimits(), out _)!;
        Assert.Contains("Timestamp", Assert.Single(Assert.Single(refusal.Messaging!.SignalMessages).Errors).Description, StringComparison.Ordinal);
        Assert.Equal(200, pulled.Status); // the hub asked for it with a fresh signed PullRequest
        var receipt = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(pulled.SignedEnvelope!), new As4ReaderLimits(), out _)!;
        Assert.NotNull(Assert.Single(receipt.Messaging!.SignalMessages).Receipt);
    }

    /// <summary>What a PullRequest got: the status, the message read, and the answer as sent.</summary>
    public sealed record PullAnswer(int Status, As4Message Answer, string ContentType, byte[] Body);

    private static string Trail(DocumentView view) =>
        string.Join(" | ", view.Events.Select(e => $"{e.Event} {e.Code} {string.Join(",", e.Facts.Select(f => f.Key + "=" + f.Value))}"));

    /// <summary>
    /// The French hub (AS4 dispatch; pull P-Modes for BE:AP0001, one MPC per institution, and for DE:AP0001) and a
    /// Belgian hub (BE:AP0001) that pulls BE:ONSS00001's MPC from the French hub's /as4.
    /// </summary>
    public sealed class PullRig : HubRig
    {
        private WebApplication? _belgium;

        public HttpClient BelgianApi { get; private set; } = null!;

        public SigningCredentials BelgianKey { get; private set; } = null!;

        public IServiceProvider BelgianServices => _belgium!.Services;

        private string BelgianData => Path.Combine(Root, "be-hub");

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "be-pull",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Mep"] = "Pull",
            ["Hub:As4:PModes:0:Mpc"] = MpcBase,
            ["Hub:As4:PModes:0:MpcPerInstitution"] = "true",
            ["Hub:As4:PModes:1:Id"] = "de-pull",
            ["Hub:As4:PModes:1:AccessPointId"] = "DE:AP0001",
            ["Hub:As4:PModes:1:Mep"] = "Pull",
            ["Hub:As4:PModes:1:Mpc"] = "urn:cleiss:mpc:fr-to-de",
        };

        public override async Task InitializeAsync()
        {
            // The Belgian hub's key exists before either hub starts, so each can trust the other from the start.
            BelgianKey = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = BelgianData, AccessPointId = "BE:AP0001" }),
                TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
            Trust(BelgianData, HubData, "be-hub.pem");
            await base.InitializeAsync();
            Trust(HubData, BelgianData, "fr.pem");
            _belgium = HubApp.Build(new HubHostSettings
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = BelgianData,
                Configuration = new Dictionary<string, string?>
                {
                    ["Hub:AccessPointId"] = "BE:AP0001",
                    ["Hub:As4:Pulls:0:Url"] = new Uri(ServerAddress.Of(Hub), "/as4").ToString(),
                    ["Hub:As4:Pulls:0:Mpc"] = MpcBase + "/BE:ONSS00001",
                    ["Hub:As4:Pulls:0:AccessPointId"] = "FR:AP0001",
                    ["Hub:As4:Pulls:0:Interval"] = "00:00:00.250",
                    ["Logging:LogLevel:Default"] = "Warning",
                },
            });
            await _belgium.StartAsync();
            BelgianApi = new HttpClient { BaseAddress = ServerAddress.Of(_belgium), Timeout = Patience };
        }

        /// <summary>Posts a PullRequest for <paramref name="mpc"/> to the French hub, signed with <paramref name="key"/> (null: unsigned).</summary>
        public async Task<PullAnswer> PullAsync(string mpc, SigningCredentials? key)
        {
            var request = As4SignalBuilder.PullRequest($"{Guid.NewGuid():N}@be.test", DateTimeOffset.UtcNow, mpc);
            var (status, contentType, answer) = await PostToAsync(Api, key is null ? request : WsSecuritySigner.Sign(request, [], key).Envelope);
            return new(status, Read(contentType, answer), contentType!, answer);
        }

        /// <summary>Posts a signal (a receipt) to the French hub's /as4; returns the status.</summary>
        public async Task<int> PostSignalAsync(string envelope) => (await PostToAsync(Api, envelope)).Status;

        /// <summary>Pushes a pulled message to the Belgian hub's /as4 (its receive path) and returns its signed receipt.</summary>
        public async Task<(int Status, string Receipt)> BelgianReceiveAsync(PullAnswer pulled)
        {
            using var content = new ByteArrayContent(pulled.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(pulled.ContentType);
            using var response = await BelgianApi.PostAsync("/as4", content);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        private static async Task<(int Status, string? ContentType, byte[] Body)> PostToAsync(HttpClient client, string envelope)
        {
            using var content = new StringContent(envelope, Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/soap+xml; charset=utf-8");
            using var response = await client.PostAsync("/as4", content);
            var body = await response.Content.ReadAsByteArrayAsync();
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
        }

        private static As4Message Read(string? contentType, byte[] body)
        {
            var message = As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {contentType}\r\n\r\n").Concat(body).ToArray(), new As4ReaderLimits(), out var error);
            Assert.True(message is not null, error?.Detail ?? Encoding.UTF8.GetString(body));
            return message!;
        }

        public override async Task DisposeAsync()
        {
            BelgianApi?.Dispose();
            await StopAsync(_belgium);
            await base.DisposeAsync();
        }
    }
}
