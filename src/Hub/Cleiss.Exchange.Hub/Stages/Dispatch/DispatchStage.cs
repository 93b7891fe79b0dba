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
/// the operator can fix the trust store); a refusal or a bad receipt is final.
/// </summary>
public sealed class DispatchStage(IPartnerTransport transport, TrustStore trust, CertificateValidator certificates, IOptions<DispatchOptions> options, IOptions<IntakeOptions> limits) : IStage
{
    private readonly DispatchOptions _options = options.Value;
    private readonly IntakeOptions _limits = limits.Value;

    public string Name => "dispatch";

    public string CompletedEvent => "delivered";

    public async ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var route = context.Route ?? throw new InvalidOperationException("dispatch runs after route.");
        var header = context.Header ?? throw new InvalidOperationException("dispatch runs after ingest.");
        var payload = context.SignedPayload ?? throw new InvalidOperationException("dispatch runs after sign.");
        var registered = trust.FindAll(route.AccessPointId);
        if (registered.Count == 0)
        {
            return StageOutcome.Retry(ExchangeErrors.Transient(ExchangeErrors.DispatchPartnerUntrusted, Name,
                $"No certificate is registered for {route.AccessPointId}; its receipts cannot be checked."), Backoff(context.Attempt));
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
            return StageOutcome.Retry(ExchangeErrors.Transient(ExchangeErrors.DispatchPartnerUntrusted, Name,
                $"No certificate registered for {route.AccessPointId} passes the certificate checks ({refused!.Code}: {refused.Detail}); nothing was sent."), Backoff(context.Attempt));
        }

        PartnerResponse response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.Timeout);
            try
            {
                response = await transport.SendAsync(new PartnerMessage(route.Endpoint!, header.InstanceIdentifier, payload, "application/xml", route.AccessPointId), timeout.Token);
            }
            catch (System.Net.ProtocolViolationException ex)
            {
                return StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchReceiptInvalid, Name, ex.Message));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return StageOutcome.Retry(ExchangeErrors.Transient(ExchangeErrors.DispatchUnreachable, Name,
                    $"{route.AccessPointId} at {route.Endpoint} could not be reached ({ex.GetType().Name})."), Backoff(context.Attempt));
            }
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
            return StageOutcome.Retry(ExchangeErrors.Transient(ExchangeErrors.DispatchPartnerError, Name,
                $"{route.AccessPointId} answered {status}."), Backoff(context.Attempt));
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
            return StageOutcome.Completed;
        }
        if (response.ProofProblem is { } proofProblem)
        {
            // S25: a forged or mismatched receipt is no proof of delivery; the send is retried (same message id, so the
            // partner's duplicate elimination absorbs it) until the attempts run out. A refusal is final.
            return response.Refused
                ? StageOutcome.DeadLetter(ExchangeErrors.Permanent(ExchangeErrors.DispatchReceiptInvalid, Name, proofProblem))
                : StageOutcome.Retry(ExchangeErrors.Transient(ExchangeErrors.DispatchReceiptInvalid, Name, proofProblem), Backoff(context.Attempt));
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
        return StageOutcome.Completed;
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = _options.InitialBackoff * Math.Pow(2, Math.Max(0, attempt - 1));
        return delay > _options.MaxBackoff ? _options.MaxBackoff : delay;
    }
}
