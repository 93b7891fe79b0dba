using System.Security.Cryptography;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Evidence;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>
/// Receives one AS4 user message (runs per message), pushed to <c>/as4</c> or pulled by the hub from a partner: one
/// code path for both. Requires one UserMessage whose WS-Security signature verifies with a certificate registered
/// for the access point that serves the sending institution (<see cref="As4SenderCheck"/>), covering eb:Messaging,
/// the Body and the SED part; eliminates duplicates on eb:MessageId (a resend gets a receipt again and delivers
/// nothing twice; the same id with other content is refused); hands the SED (gunzipped when compressed, with a size
/// cap) to the inbound intake; and answers a signed non-repudiation receipt listing the references it verified, or a
/// signed ebMS Error signal.
/// </summary>
internal sealed class As4ReceiveService(
    IntakeService intake, SigningKeyStore keys, As4SenderCheck senders, InstitutionDirectory directory, IMessageIdStore messageIds,
    TimeProvider time, IOptions<IntakeOptions> limits, IEvidenceStore evidence, ILogger<As4ReceiveService> logger)
{
    /// <summary>
    /// Receives <paramref name="message"/>. <paramref name="pulled"/>: the hub pulled it, so its wsu:Timestamp is not
    /// held to the freshness window (it was signed when the partner queued it, possibly hours before; the hub's signed
    /// PullRequest and duplicate elimination stand in for replay protection). It must still be single and signed.
    /// <paramref name="connection"/>: the request it came in when pushed, for the mutual-TLS binding (ADR 0011);
    /// <paramref name="raw"/>: its bytes as received, kept with the receipt sent as evidence of the exchange.
    /// </summary>
    public async Task<As4Answer> ReceiveUserMessageAsync(As4Message message, CancellationToken cancellationToken, bool pulled = false, HttpContext? connection = null,
        (byte[] Bytes, string? ContentType)? raw = null)
    {
        if (message.Messaging is not { UserMessages: [var user] } || user.MessageInfo?.MessageId is not { Length: > 0 } messageId)
        {
            return As4Answer.Error(keys, time, null, EbmsErrors.InvalidHeader, "Exactly one eb:UserMessage with a MessageId is required.", 400);
        }
        if (user.Parts is not [var part] || user.From?.PartyIds is not [var from, ..])
        {
            return As4Answer.Error(keys, time, messageId, EbmsErrors.ValueInconsistent, "One PartInfo (the SED) and a From party are required.", 400);
        }

        if (IsEncrypted(message))
        {
            // S22/S26: the EESSI P-Mode has no message-level encryption (TLS protects the link), so nothing is decrypted
            // here: no crafted EncryptedKey/EncryptedData is ever processed, no CipherReference followed, and no decrypted
            // content of an unauthenticated message can reach the intake.
            return As4Answer.Error(keys, time, messageId, EbmsErrors.PolicyNoncompliance, "Message-level encryption is not in the hub's P-Mode; the message is refused unread.", 403);
        }
        var sedPart = SedAttachment(message, part, out var partProblem);
        if (sedPart is null)
        {
            return As4Answer.Error(keys, time, messageId, partProblem!.Value.Code, partProblem.Value.Why, 400);
        }

        // Binding: only the certificates registered for the access point serving the claimed sender count.
        var accessPoint = directory.FindInstitution(from.Value)?.AccessPoint;
        var (verification, refused, why) = await senders.CheckAsync(message, accessPoint, cancellationToken, checkFreshness: !pulled);
        if (refused is not null)
        {
            return As4Answer.Error(keys, time, messageId, refused, why!, 403);
        }
        if (connection is not null && await Tls.As4TlsBinding.ProblemAsync(connection, accessPoint!, messageId, cancellationToken) is { } tls)
        {
            return As4Answer.Error(keys, time, messageId, EbmsErrors.FailedAuthentication, tls, 403); // mutual TLS: the connection's certificate is the sender's (ADR 0011)
        }

        var payload = Payload(sedPart, part, limits.Value.MaxDocumentBytes);
        if (payload is null)
        {
            return As4Answer.Error(keys, time, messageId, EbmsErrors.DecompressionFailure, "The SED part is missing, not gzip, or too large.", 400);
        }
        // The MessageId is recorded (or found) before anything else is stored: other content under a known id is
        // refused with nothing accepted, even when two such messages race.
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        var registered = await messageIds.RegisterAsync(messageId, sha, Guid.Empty, time.GetUtcNow(), cancellationToken);
        if (registered.State == MessageIdState.Conflict)
        {
            HostLog.As4MessageIdConflict(logger, messageId);
            return As4Answer.Error(keys, time, messageId, EbmsErrors.Other, "This MessageId was received before with other content.", 409);
        }
        var result = await intake.SubmitAsync(Direction.Inbound, payload, cancellationToken);
        if (result.Outcome == IntakeOutcome.Rejected)
        {
            return As4Answer.Error(keys, time, messageId, EbmsErrors.Other, result.Error!.Code,
                ExchangeErrors.All.TryGetValue(result.Error.Code, out var definition) ? definition.HttpStatus : 400);
        }
        await messageIds.AssignAsync(messageId, result.DocumentId, cancellationToken);
        var receipt = As4SignalBuilder.Receipt(As4Answer.NewMessageId(), time.GetUtcNow(), messageId, message.Security!.Signatures[0].References,
            multiHopOf: message.MultiHop is null ? null : user);
        var signed = WsSecuritySigner.Sign(receipt, [], keys.Current, time.GetUtcNow()).Envelope;
        if (result.Outcome != IntakeOutcome.Duplicate)
        {
            var at = time.GetUtcNow();
            var items = new List<EvidenceItem>(2) { new(EvidenceKinds.HubReceipt, "application/soap+xml", System.Text.Encoding.UTF8.GetBytes(signed), at) };
            if (raw is { } received)
            {
                items.Insert(0, new(EvidenceKinds.ReceivedMessage, received.ContentType ?? "application/octet-stream", received.Bytes, at));
            }
            await evidence.PutEvidenceAsync(result.DocumentId, items, cancellationToken);
        }
        return As4Answer.Signal(signed, 200);
    }

    /// <summary>Any xenc/xenc11 element in the envelope (an EncryptedKey, EncryptedData, or a fragment of one).</summary>
    private static bool IsEncrypted(As4Message message) =>
        message.Envelope is { } envelope
        && (envelope.GetElementsByTagName("*", As4Namespaces.Xenc).Count > 0 || envelope.GetElementsByTagName("*", As4Namespaces.Xenc11).Count > 0);

    /// <summary>
    /// S23: the PartInfo must name, by <c>cid:</c>, exactly one attachment of the message (nothing is fetched), and the
    /// message must carry no other attachment: a missing part is an ExternalPayloadError, an extra one ValueInconsistent.
    /// </summary>
    private static As4Attachment? SedAttachment(As4Message message, As4PartInfo part, out (EbmsErrorCode Code, string Why)? problem)
    {
        problem = null;
        var id = part.Href is { } href && href.StartsWith("cid:", StringComparison.Ordinal) ? Uri.UnescapeDataString(href[4..]) : null;
        var named = id is null ? [] : message.Attachments.Where(a => a.ContentId == id).ToList();
        if (named.Count != 1)
        {
            problem = (EbmsErrors.ExternalPayloadError, id is null
                ? "The PartInfo does not name a MIME part (cid:); nothing outside the message is fetched."
                : $"The PartInfo names {named.Count} MIME parts with that Content-ID; exactly one is required.");
            return null;
        }
        if (message.Attachments.Count != 1)
        {
            problem = (EbmsErrors.ValueInconsistent, $"The message carries {message.Attachments.Count} attachments; only the one the PartInfo names is allowed.");
            return null;
        }
        return named[0];
    }

    /// <summary>The SED: the attachment's content, gunzipped when the PartInfo's CompressionType says so, at most <paramref name="maxBytes"/>.</summary>
    private static byte[]? Payload(As4Attachment attachment, As4PartInfo part, int maxBytes)
    {
        if (part.CompressionType is null)
        {
            return attachment.Content.Length <= maxBytes ? attachment.Content.ToArray() : null;
        }
        if (part.CompressionType != "application/gzip")
        {
            return null;
        }
        return Adapters.As4.Security.As4Decryptor.TryGunzip(attachment.Content, maxBytes, out _); // S24: capped, the bomb stops there
    }
}
