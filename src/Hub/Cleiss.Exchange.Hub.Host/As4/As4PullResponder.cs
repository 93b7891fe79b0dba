using System.Text.Json;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>
/// The responding side of AS4 pull (ebMS3 One-Way/Pull, issue 5; runs per message). A PullRequest names an MPC; it
/// is answered only when a pull P-Mode owns that MPC (else EBMS:0010) and the request is WS-Security-signed by a
/// certificate registered for that P-Mode's access point (else EBMS:0101, or 0103 for a policy failure): a partner
/// pulls only its own MPCs. The answer is the oldest message waiting there, the signed MIME message exactly as queued,
/// or a signed EBMS:0006 warning when there is none. The message stays (a re-pull gets the same bytes) until a receipt
/// for it arrives that proves delivery by the rule push uses (<see cref="As4ReceiptVerifier"/>); then it leaves the
/// queue and its document is delivered, in one transaction. A receipt for a message no longer waiting changes nothing.
/// </summary>
internal sealed class As4PullResponder(
    IAs4PullStore queue, As4SenderCheck senders, SigningKeyStore keys, TrustStore trust, CertificateValidator certificates,
    IOptions<As4Options> options, TimeProvider time, ILogger<As4PullResponder> logger)
{
    public async Task<As4Answer> AnswerPullAsync(As4Message message, As4SignalMessage signal, CancellationToken cancellationToken)
    {
        var refTo = signal.MessageInfo?.MessageId;
        var mpc = signal.PullRequest!.Mpc ?? As4PMode.DefaultMpc;
        if (options.Value.PullPModeFor(mpc) is not { } pmode)
        {
            return As4Answer.Error(keys, time, refTo, EbmsErrors.ProcessingModeMismatch, "No pull P-Mode has this MPC.", 403);
        }
        var (_, refused, why) = await senders.CheckAsync(message, pmode.AccessPointId, cancellationToken);
        if (refused is not null)
        {
            return As4Answer.Error(keys, time, refTo, refused, $"The PullRequest is not signed by the access point this MPC belongs to ({why}).", 403);
        }
        var next = await queue.PullAsync(mpc, time.GetUtcNow(), cancellationToken);
        if (next is null)
        {
            return As4Answer.Error(keys, time, refTo, EbmsErrors.EmptyMessagePartitionChannel, "No message waits in this MPC.", 200);
        }
        HostLog.As4MessagePulled(logger, next.DocumentId, pmode.Id, next.Pulls + 1);
        return new As4Answer(200, next.ContentType, next.Body);
    }

    public async Task<As4Answer> AcceptReceiptAsync(As4Message message, As4SignalMessage signal, CancellationToken cancellationToken)
    {
        var refTo = signal.MessageInfo?.RefToMessageId;
        var queued = refTo is null ? null : await queue.FindQueuedAsync(refTo, cancellationToken);
        if (queued is null)
        {
            // Not (or no longer) waiting: a repeated receipt, or one about a pushed message. Harmless; nothing changes.
            return new As4Answer(200, null, []);
        }
        var references = JsonSerializer.Deserialize<List<As4Reference>>(queued.SignedReferences) ?? [];
        var verdict = await As4ReceiptVerifier.VerifyAsync(message, null, queued.MessageId, references, queued.AccessPointId, queued.PModeId,
            trust, certificates, cancellationToken);
        if (verdict.Proof is not { } proof)
        {
            return As4Answer.Error(keys, time, signal.MessageInfo?.MessageId, EbmsErrors.InvalidReceipt, verdict.Problem ?? verdict.Refusal!, 403);
        }
        // The same facts as a pushed document's delivery (DispatchStage), so the audit reads the same for both MEPs.
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["receiptId"] = proof.ReceiptId,
            ["receiptIssuer"] = proof.IssuerAccessPointId,
            ["mep"] = As4PMode.PullMep,
            ["mpc"] = queued.Mpc,
        };
        foreach (var (key, value) in proof.Facts)
        {
            facts[key] = value;
        }
        var at = time.GetUtcNow();
        var completed = await queue.CompletePulledAsync(queued.MessageId, new DocumentProgress(DocumentStatus.Delivered, "dispatch", ReceiptId: proof.ReceiptId),
            [new NewAuditEvent(queued.DocumentId, at, "dispatch", "delivered", null, facts)], cancellationToken);
        if (completed)
        {
            HostLog.As4PulledMessageDelivered(logger, queued.DocumentId, queued.PModeId);
        }
        return new As4Answer(200, null, []);
    }
}
