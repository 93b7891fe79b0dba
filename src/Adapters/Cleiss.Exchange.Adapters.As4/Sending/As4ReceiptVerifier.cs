using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>What a receipt proves: the delivery (with the audit facts) or why not.</summary>
/// <param name="Proof">Set when the receipt proves delivery.</param>
/// <param name="Problem">Set when it does not (why; never personal data): the message is sent again (reception awareness).</param>
/// <param name="Refusal">Set when the partner answered an ebMS error signal about the message: final.</param>
public sealed record As4ReceiptVerdict(DeliveryProof? Proof, string? Problem, string? Refusal = null);

/// <summary>
/// The one rule for proof of delivery over AS4 (runs per message), for a push answer and for the receipt a partner
/// sends after pulling: the signal is about this message, is not an ebMS error, is a non-repudiation receipt listing
/// every reference the hub signed with the same digest (S25), and is WS-Security-signed by a certificate registered
/// for the partner access point that passes the certificate checks now.
/// </summary>
public static class As4ReceiptVerifier
{
    /// <summary>Checks <paramref name="signal"/> (null: unreadable, <paramref name="readProblem"/> says why) against what was sent.</summary>
    public static async Task<As4ReceiptVerdict> VerifyAsync(
        As4Message? signal, string? readProblem, string messageId, IReadOnlyList<As4Reference> signedReferences, string accessPointId, string pmodeId,
        TrustStore trust, CertificateValidator certificates, CancellationToken cancellationToken)
    {
        if (signal?.Messaging?.SignalMessages is not [var only] || only.MessageInfo?.RefToMessageId != messageId)
        {
            return new(null, readProblem ?? "The answer is not a signal about this message.");
        }
        if (only.Errors is [var first, ..])
        {
            return new(null, null, $"The partner answered an ebMS error {first.ErrorCode} ({first.ShortDescription}).");
        }
        if (signal.MultiHop?.RoutingInput is { } routing && routing.MessageInfo?.MessageId != messageId)
        {
            return new(null, "The receipt's ebint:RoutingInput names another message.");
        }
        if (only.Receipt is not { } receipt || !As4SignalBuilder.ProvesDeliveryOf(receipt, signedReferences))
        {
            return new(null, "The receipt does not acknowledge every part sent with its digest.");
        }
        foreach (var certificate in trust.FindAll(accessPointId))
        {
            var check = await certificates.CheckNowAsync(certificate, cancellationToken);
            if (check.IsValid && WsSecurityVerifier.Verify(signal, new As4VerificationKeys { Override = certificate }).IsValid)
            {
                return new(new DeliveryProof(only.MessageInfo!.MessageId ?? messageId, accessPointId, new Dictionary<string, string>
                {
                    ["as4MessageId"] = messageId,
                    ["pmode"] = pmodeId,
                    ["receiptKeyId"] = SigningKeyStore.KeyId(certificate),
                    ["receiptRevocation"] = check.Revocation,
                }), null);
            }
        }
        return new(null, "The receipt is not signed by a certificate registered for the partner access point.");
    }
}
