using System.Globalization;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Dispatch;

/// <summary>
/// dispatch: hands the signed document to the partner access point, but only while one of the
/// certificates registered for it passes the certificate checks (a revoked or expired partner gets
/// no personal data), and accepts the answer as proof of delivery only if it is a receipt signed by
/// such a certificate, for this document, over exactly the bytes sent (runs per message).
/// Unreachable partners, server errors and an untrusted partner certificate are transient (retry:
/// the operator can fix the trust store); a refusal is final. A bad receipt is final on the plain-HTTP
/// exchange; a transport with reception awareness (AS4) reports it as a proof problem and the same message
/// is sent again within the partner's retry policy (its P-Mode), then dead-lettered. A transport that queues
/// the message for the partner to pull (AS4 pull) leaves the document queued until the partner's receipt.
/// </summary>
public sealed class DispatchStage(IPartnerTransport transport, TrustStore trust, CertificateValidator certificates, IOptions<DispatchOptions> options, IOptions<IntakeOptions> limits,
    Storage.Evidence.IEvidenceStore? evidence = null, TimeProvider? time = null, PartnerResilience? resilience = null) : IStage
{
    private readonly DispatchOptions _options = options.Value;
    private readonly PartnerRetryPolicy _hubPolicy = new(options.Value.MaxAttempts, options.Value.InitialBackoff, options.Value.MaxBackoff);
    private readonly IntakeOptions _limits = limits.Value;

    public string Name => "dispatch";

    public string CompletedEvent => "delivered";

    public async ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var route = context.Route ?? throw new InvalidOperationException("dispatch runs after route.");
        var header = context.Header ?? throw new InvalidOperationException("dispatch runs after ingest.");
        var payload = context.SignedPayload ?? throw new InvalidOperationException("dispatch runs after sign.");
        var policy = transport.RetryPolicyFor(route.AccessPointId);
        StageOutcome Retry(string code, string detail) => StageOutcome.Retry(ExchangeErrors.Transient(code, Name, detail),
            Jittered((policy ?? _hubPolicy).After(context.Attempt)), policy?.MaxAttempts);
        var registered = trust.FindAll(route.AccessPointId);
        if (registered.Count == 0)
        {
            return Retry(ExchangeErrors.DispatchPartnerUntrusted, $"No certificate is registered for {route.AccessPointId}; its receipts cannot be checked.");
        }
        var trusted = new List<(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, CertificateCheck Check)>();
        CertificateCheck? refused = null;
        foreach (var certificate in registered)
        {
            var check = await certificates.CheckNowAsync(certificate, cancellationToken);
            if (check.IsValid)
            {
                trusted.Add((certificate, check));
            }
            refused ??= check.IsValid ? null : check;
        }
        if (trusted.Count == 0)
        {
            return Retry(ExchangeErrors.DispatchPartnerUntrusted, $"No certificate registered for {route.AccessPointId} passes the certificate checks ({refused!.Code}: {refused.Detail}); nothing was sent.");
        }

        PartnerResponse response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.Timeout);
            try
            {
                var message = new PartnerMessage(route.Endpoint!, header.InstanceIdentifier, payload, "application/xml", route.AccessPointId, context.DocumentId);
                response = resilience is null
                    ? await transport.SendAsync(message, timeout.Token)
                    : await resilience.For(route.AccessPointId).ExecuteAsync(static (state, token) => new ValueTask<PartnerResponse>(state.transport.SendAsync(state.message, token)),
                        (transport, message), timeout.Token);
            }
            catch (Polly.CircuitBreaker.BrokenCircuitException)
            {
                return Retry(ExchangeErrors.DispatchCircuitOpen, $"The circuit for {route.AccessPointId} is open (too many recent failures); nothing was sent.");
            }
            catch (Storage.HubStorageException ex) when (ex.IsTransient)
            {
                // A transport that queues (AS4 pull) could not write its queue: nothing was queued; try again later.
                return Retry(ExchangeErrors.HubStorageUnavailable, "The store could not queue the message for the partner to pull.");
            }
            catch (System.Net.ProtocolViolationException ex)
            {
                return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchReceiptInvalid, Name, ex.Message));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return Retry(ExchangeErrors.DispatchUnreachable, $"{route.AccessPointId} at {route.Endpoint} could not be reached ({ex.GetType().Name}).");
            }
        }

        if (response.Queued is { } queued)
        {
            // AS4 pull: the transport stored the signed message in the partner's MPC; the proof comes with the receipt
            // the partner sends after collecting it (the receipt handler records "delivered" then). Nothing was sent,
            // so there is no "dispatched" event.
            foreach (var (key, value) in queued)
            {
                context.AddFact(key, value);
            }
            return StageOutcome.Queued;
        }

        var status = response.StatusCode.ToString(CultureInfo.InvariantCulture);
        context.AddEvent("dispatched", new Dictionary<string, string>
        {
            ["accessPoint"] = route.AccessPointId,
            ["endpoint"] = route.Endpoint!.ToString(),
            ["attempt"] = context.Attempt.ToString(CultureInfo.InvariantCulture),
            ["status"] = status,
        });
        if (response.StatusCode >= 500 || response.StatusCode is 408 or 429)
        {
            return Retry(ExchangeErrors.DispatchPartnerError, $"{route.AccessPointId} answered {status}.");
        }
        if (response.StatusCode >= 300)
        {
            return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchPartnerRejected, Name,
                $"{route.AccessPointId} refused the document with status {status}."));
        }

        if (response.Proof is { } proof)
        {
            // The transport verified the receipt (AS4: signed by a registered certificate of this access point, every
            // reference of what was sent acknowledged with the same digest).
            context.ReceiptId = proof.ReceiptId;
            context.AddFact("receiptId", proof.ReceiptId);
            context.AddFact("receiptIssuer", proof.IssuerAccessPointId);
            foreach (var (key, value) in proof.Facts)
            {
                context.AddFact(key, value);
            }
            await KeepEvidenceAsync(context.DocumentId, response, cancellationToken);
            return StageOutcome.Completed;
        }
        if (response.Refusal is { } refusal)
        {
            return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchPartnerRejected, Name, refusal));
        }
        if (response.ProofProblem is { } proofProblem)
        {
            // Reception awareness: no valid receipt yet, so the same message (same id) is sent again; the partner's
            // duplicate elimination delivers it once.
            return Retry(ExchangeErrors.DispatchReceiptInvalid, proofProblem);
        }

        DeliveryReceipt? receipt = null;
        string? problem = null;
        CertificateCheck? usedCheck = null;
        foreach (var (certificate, check) in trusted)
        {
            receipt = DeliveryReceipt.TryRead(response.Body, certificate, _limits, out var why);
            problem ??= why;
            if (receipt is not null)
            {
                usedCheck = check;
                break;
            }
        }
        if (receipt is null)
        {
            return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchReceiptInvalid, Name, problem!));
        }
        if (receipt.RefToInstanceIdentifier != header.InstanceIdentifier
            || receipt.ReceivedSha256 != DeliveryReceipt.Digest(payload.Span)
            || receipt.IssuerAccessPointId != route.AccessPointId)
        {
            return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchReceiptInvalid, Name,
                "The receipt does not match the document sent (id, digest or issuer)."));
        }
        context.ReceiptId = receipt.ReceiptId;
        context.AddFact("receiptId", receipt.ReceiptId);
        context.AddFact("receiptIssuer", receipt.IssuerAccessPointId);
        context.AddFact("receivedSha256", receipt.ReceivedSha256);
        context.AddFact("receiptRevocation", usedCheck!.Revocation);
        await KeepEvidenceAsync(context.DocumentId, response, cancellationToken);
        return StageOutcome.Completed;
    }

    /// <summary>The wait spread by ± <see cref="DispatchOptions.Jitter"/>, so the retries of many documents do not arrive together.</summary>
    private TimeSpan Jittered(TimeSpan wait) =>
        _options.Jitter <= 0 ? wait : wait * (1 - _options.Jitter + (2 * _options.Jitter * Random.Shared.NextDouble()));

    /// <summary>Keeps what was sent (when the transport framed it) and the receipt that proved delivery, for the evidence archive.</summary>
    private async Task KeepEvidenceAsync(Guid documentId, PartnerResponse response, CancellationToken cancellationToken)
    {
        if (evidence is null)
        {
            return;
        }
        var at = (time ?? TimeProvider.System).GetUtcNow();
        var items = new List<Storage.Evidence.EvidenceItem>(2);
        if (response.SentMessage is { } sent)
        {
            items.Add(new(Storage.Evidence.EvidenceKinds.SentMessage, response.SentContentType ?? "application/octet-stream", sent, at));
        }
        items.Add(new(Storage.Evidence.EvidenceKinds.PartnerReceipt, response.ContentType ?? "application/xml", response.Body, at));
        await evidence.PutEvidenceAsync(documentId, items, cancellationToken);
    }
}
