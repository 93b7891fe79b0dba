using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Dispatch;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Stages.Dispatch;

/// <summary>The dispatch stage alone, against a scripted partner (the end-to-end tests use a real one over HTTP).</summary>
public sealed class DispatchStageTests : IDisposable
{
    private readonly TempDirectory _hubData = new();
    private readonly TempDirectory _keys = new();
    private readonly SigningCredentials _partner;
    private readonly SigningCredentials _forger;
    private readonly byte[] _payload = Builders.Sample("valid/A001-outbound-1.xml");
    private readonly string _instance;

    public DispatchStageTests()
    {
        _partner = Builders.Key(_keys, "BE:AP0001");
        _forger = Builders.Key(_keys, "BE:FORGE001");
        Directory.CreateDirectory(TrustStore.Folder(_hubData.Path));
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "BE_AP0001")), Path.Combine(TrustStore.Folder(_hubData.Path), "be.pem"));
        _instance = Builders.Ingested(_payload).Header!.InstanceIdentifier;
    }

    public void Dispose()
    {
        _hubData.Dispose();
        _keys.Dispose();
    }

    private async Task<StageOutcome> DispatchAsync(Func<PartnerMessage, PartnerResponse> partner, int attempt = 1, TrustOptions? trustOptions = null, PartnerRetryPolicy? policy = null)
    {
        var hub = Builders.Hub(_hubData.Path);
        var trust = new TrustStore(hub, NullLogger<TrustStore>.Instance);
        using var certificates = new CertificateValidator(hub, Options.Create(trustOptions ?? new TrustOptions()), TimeProvider.System, NullLogger<CertificateValidator>.Instance);
        var stage = new DispatchStage(new ScriptedTransport(partner, policy), trust, certificates, Options.Create(new DispatchOptions { Jitter = 0 }), Builders.Limits());
        var context = Builders.Ingested(_payload);
        context.Route = new RouteDecision("BE:ONSS00001", "BE:AP0001", new Uri("http://127.0.0.1:1/ap"), "test");
        context.SignedPayload = _payload;
        context.Attempt = attempt;
        return await stage.ExecuteAsync(context, CancellationToken.None);
    }

    private PartnerResponse Receipt(PartnerMessage message, SigningCredentials? key = null, string? instance = null, byte[]? digestOf = null) =>
        new(200, DeliveryReceipt.Create("r-1", instance ?? message.MessageId, digestOf ?? message.Payload.ToArray(), "BE:AP0001", DateTimeOffset.UnixEpoch, key ?? _partner), "application/xml");

    [Fact]
    public async Task A_valid_receipt_completes_the_delivery()
    {
        var outcome = await DispatchAsync(m => Receipt(m));
        Assert.Equal(StageOutcomeKind.Completed, outcome.Kind);
    }

    [Fact]
    public async Task The_message_id_is_the_SBDH_instance_identifier_so_the_partner_can_deduplicate()
    {
        string? seen = null;
        await DispatchAsync(m => { seen = m.MessageId; return Receipt(m); });
        Assert.Equal(_instance, seen);
    }

    [Fact]
    public async Task An_unreachable_partner_means_retry_with_growing_backoff()
    {
        var first = await DispatchAsync(_ => throw new HttpRequestException("refused"));
        var third = await DispatchAsync(_ => throw new HttpRequestException("refused"), attempt: 3);

        Assert.Equal(StageOutcomeKind.Retry, first.Kind);
        Assert.Equal(ExchangeErrors.DispatchUnreachable, first.Error!.Code);
        Assert.True(third.RetryAfter > first.RetryAfter);
        var hundredth = await DispatchAsync(_ => throw new HttpRequestException("refused"), attempt: 100);
        Assert.Equal(new DispatchOptions().MaxBackoff, hundredth.RetryAfter); // no overflow, capped
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task A_partner_server_error_means_retry(int status)
    {
        var outcome = await DispatchAsync(_ => new PartnerResponse(status, [], null));
        Assert.Equal(StageOutcomeKind.Retry, outcome.Kind);
        Assert.Equal(ExchangeErrors.DispatchPartnerError, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_refusal_by_the_partner_is_final()
    {
        var outcome = await DispatchAsync(_ => new PartnerResponse(400, Encoding.UTF8.GetBytes("{}"), "application/problem+json"));
        Assert.Equal(StageOutcomeKind.DeadLetter, outcome.Kind);
        Assert.Equal(ExchangeErrors.DispatchPartnerRejected, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_receipt_signed_by_another_key_is_not_proof_of_delivery()
    {
        var outcome = await DispatchAsync(m => Receipt(m, key: _forger));
        Assert.Equal(ExchangeErrors.DispatchReceiptInvalid, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_receipt_for_other_bytes_is_not_proof_of_delivery()
    {
        var outcome = await DispatchAsync(m => Receipt(m, digestOf: "other"u8.ToArray()));
        Assert.Equal(ExchangeErrors.DispatchReceiptInvalid, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_receipt_for_another_document_is_not_proof_of_delivery()
    {
        var outcome = await DispatchAsync(m => Receipt(m, instance: Guid.NewGuid().ToString()));
        Assert.Equal(ExchangeErrors.DispatchReceiptInvalid, outcome.Error!.Code);
    }

    [Fact]
    public async Task An_answer_that_is_not_a_receipt_is_not_proof_of_delivery()
    {
        var outcome = await DispatchAsync(_ => new PartnerResponse(200, Encoding.UTF8.GetBytes("<ok/>"), "application/xml"));
        Assert.Equal(ExchangeErrors.DispatchReceiptInvalid, outcome.Error!.Code);
    }

    [Fact]
    public async Task Nothing_is_sent_to_a_partner_whose_certificate_fails_the_checks_and_the_stage_retries()
    {
        var sent = 0;
        var outcome = await DispatchAsync(_ => { sent++; return new PartnerResponse(200, [], null); }, trustOptions: new TrustOptions { AllowPinnedSelfSigned = false });

        Assert.Equal(0, sent);
        Assert.Equal(StageOutcomeKind.Retry, outcome.Kind);
        Assert.Equal(ExchangeErrors.DispatchPartnerUntrusted, outcome.Error!.Code);
        Assert.Contains(ExchangeErrors.VerifyCertificateUntrusted, outcome.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reception_awareness_a_missing_proof_is_sent_again_on_the_partners_own_schedule_and_a_refusal_is_final()
    {
        var policy = new PartnerRetryPolicy(MaxAttempts: 6, FirstInterval: TimeSpan.FromSeconds(30), MaxInterval: TimeSpan.FromMinutes(1));
        var noProof = await DispatchAsync(_ => new PartnerResponse(200, [], null, ProofProblem: "not a receipt"), policy: policy);
        var later = await DispatchAsync(_ => new PartnerResponse(200, [], null, ProofProblem: "not a receipt"), attempt: 4, policy: policy);
        var unreachable = await DispatchAsync(_ => throw new HttpRequestException("refused"), policy: policy);
        var refused = await DispatchAsync(_ => new PartnerResponse(200, [], null, Refusal: "EBMS:0004"), policy: policy);

        Assert.Equal((StageOutcomeKind.Retry, ExchangeErrors.DispatchReceiptInvalid, TimeSpan.FromSeconds(30), 6), (noProof.Kind, noProof.Error!.Code, noProof.RetryAfter, noProof.MaxAttempts));
        Assert.Equal(TimeSpan.FromMinutes(1), later.RetryAfter); // 30 s doubled three times, capped
        Assert.Equal((StageOutcomeKind.Retry, TimeSpan.FromSeconds(30), 6), (unreachable.Kind, unreachable.RetryAfter, unreachable.MaxAttempts));
        Assert.Equal((StageOutcomeKind.DeadLetter, ExchangeErrors.DispatchPartnerRejected), (refused.Kind, refused.Error!.Code));
    }

    private sealed class ScriptedTransport(Func<PartnerMessage, PartnerResponse> answer, PartnerRetryPolicy? policy = null) : IPartnerTransport
    {
        public Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken) => Task.FromResult(answer(message));

        public PartnerRetryPolicy? RetryPolicyFor(string accessPointId) => policy;
    }
}
