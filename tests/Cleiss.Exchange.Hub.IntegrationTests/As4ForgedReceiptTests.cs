using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// HOSTILE-INPUTS S25 on the hub's sending side: the hub dispatches over AS4 (the real As4PartnerTransport and
/// dispatch stage) to a fake partner access point on loopback (a test double of the partner only) that answers a
/// receipt signed by the wrong key, or one whose non-repudiation digests are not those the hub signed. Neither is
/// proof of delivery: the hub sends again (same message id) until its attempts run out, then fails the document
/// with DISPATCH.RECEIPT_INVALID. An ebMS error signal, by contrast, is a refusal: one attempt, then failure.
/// </summary>
public sealed class As4ForgedReceiptTests : IClassFixture<As4ForgedReceiptTests.FakePartnerRig>
{
    private readonly FakePartnerRig _rig;

    public As4ForgedReceiptTests(FakePartnerRig rig) => _rig = rig;

    private async Task<(DocumentView View, int Attempts, IReadOnlyCollection<string> MessageIds)> SendAsync(string answer)
    {
        _rig.Reset(answer);
        var (status, body) = await _rig.PostAsync(HubRig.Fresh("valid/A001-outbound-1.xml"));
        Assert.Equal(202, status);
        var view = await _rig.WaitForAsync(Guid.Parse(body["id"]!.GetValue<string>()), "delivered", "failed");
        return (view, _rig.Attempts, _rig.MessageIds);
    }

    [Theory]
    [InlineData("wrong-key")] // a well-formed receipt for this message, signed by a key not registered for BE:AP0001
    [InlineData("wrong-digests")] // signed by the registered key, but the NRR digests are not what the hub signed
    [InlineData("other-message")] // signed by the registered key, about another message id
    public async Task S25_a_forged_or_mismatched_receipt_is_no_proof_retry_continues_then_the_document_fails(string answer)
    {
        var (view, attempts, messageIds) = await SendAsync(answer);

        Assert.Equal("failed", view.Status);
        Assert.Null(view.ReceiptId);
        Assert.DoesNotContain(view.Events, e => e.Event == "delivered");
        Assert.Contains(view.Events, e => e.Code == "DISPATCH.RECEIPT_INVALID");
        Assert.Equal(4, attempts); // reception awareness: the P-Mode's RetryCount (3) resends after the first attempt
        Assert.Single(messageIds); // every retry carries the same eb:MessageId
    }

    [Fact]
    public async Task A_receipt_signed_by_the_registered_key_with_the_right_digests_is_proof_the_control()
    {
        var (view, attempts, _) = await SendAsync("valid");

        Assert.True(view.Status == "delivered", string.Join(" | ", view.Events.Select(e => $"{e.Event} {e.Code}")));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task An_ebMS_error_signal_is_a_refusal_one_attempt_then_failure()
    {
        var (view, attempts, _) = await SendAsync("error");

        Assert.Equal("failed", view.Status);
        Assert.Contains(view.Events, e => e.Code == "DISPATCH.PARTNER_REJECTED");
        Assert.Equal(1, attempts);
    }

    /// <summary>The usual rig with AS4 dispatch to a fake BE:AP0001 access point on loopback.</summary>
    public sealed class FakePartnerRig : HubRig
    {
        private readonly object _gate = new();
        private readonly HashSet<string> _messageIds = [];
        private WebApplication? _partner;
        private string _answer = "valid";
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public IReadOnlyCollection<string> MessageIds
        {
            get
            {
                lock (_gate)
                {
                    return [.. _messageIds];
                }
            }
        }

        public void Reset(string answer)
        {
            lock (_gate)
            {
                _answer = answer;
                _messageIds.Clear();
                _attempts = 0;
            }
        }

        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Dispatch:Transport"] = "as4",
            ["Hub:As4:PModes:0:Id"] = "fake-be",
            ["Hub:As4:PModes:0:AccessPointId"] = "BE:AP0001",
            ["Hub:As4:PModes:0:Url"] = new Uri(ServerAddress.Of(_partner!), "/as4").ToString(),
            ["Hub:As4:PModes:0:RetryCount"] = "3",
            ["Hub:As4:PModes:0:RetryInterval"] = "00:00:00.100",
        };

        public override async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            _partner = builder.Build();
            _partner.MapPost("/as4", AnswerAsync);
            await _partner.StartAsync();
            await base.InitializeAsync();
        }

        private SigningCredentials Key(string folder) =>
            new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = Path.Combine(Root, folder), AccessPointId = "BE:AP0001" }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

        private async Task<IResult> AnswerAsync(HttpRequest request)
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var framed = Encoding.ASCII.GetBytes($"Content-Type: {request.ContentType}\r\n\r\n").Concat(buffer.ToArray()).ToArray();
            var message = As4MessageReader.TryRead(framed, new As4ReaderLimits(), out _)!;
            var messageId = message.Messaging!.UserMessages[0].MessageInfo!.MessageId!;
            var references = message.Security!.Signatures[0].References;
            string answer;
            lock (_gate)
            {
                _attempts++;
                _messageIds.Add(messageId);
                answer = _answer;
            }
            var signal = answer switch
            {
                "error" => As4SignalBuilder.Error($"{Guid.NewGuid():N}@be.example", DateTimeOffset.UtcNow, messageId, EbmsErrors.Other, "refused"),
                "wrong-digests" => As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@be.example", DateTimeOffset.UtcNow, messageId,
                    [.. references.Select(r => r with { DigestValue = Convert.ToBase64String(new byte[32]) })]),
                "other-message" => As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@be.example", DateTimeOffset.UtcNow, "other@fr.ap0001.eessi", references),
                _ => As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@be.example", DateTimeOffset.UtcNow, messageId, references),
            };
            var key = answer == "wrong-key" ? Key("stranger") : Key("partner");
            return Results.Text(WsSecuritySigner.Sign(signal, [], key).Envelope, "application/soap+xml; charset=utf-8", Encoding.UTF8, 200);
        }

        public override async Task DisposeAsync()
        {
            if (_partner is not null)
            {
                await _partner.StopAsync();
                await _partner.DisposeAsync();
            }
            await base.DisposeAsync();
        }
    }
}
