using System.Net.Http.Headers;
using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>
/// Sends each signed SED as an AS4 user message (push) to the partner access point's P-Mode URL and turns its
/// answer into proof of delivery (runs per message): the message id is derived from the SBDH instance identifier,
/// so every retry carries the same eb:MessageId and the partner's duplicate elimination absorbs it; the message is
/// WS-Security-signed with the hub's key; the answer counts only if it is a non-repudiation receipt for this
/// message, signed by a certificate registered for that access point that passes the certificate checks, listing
/// every reference the hub signed with the same digest. Server errors, unreachable partners and answers that are
/// not such a receipt are retried within the P-Mode's reception awareness (<see cref="RetryPolicyFor"/>); an ebMS
/// error signal is a refusal. With a pull P-Mode the signed message is queued in the partner's MPC instead (the
/// document stays queued until the partner's receipt, <see cref="As4ReceiptVerifier"/>).
/// </summary>
public sealed class As4PartnerTransport(
    IHttpClientFactory clients, IOptions<As4Options> options, SigningKeyStore keys, TrustStore trust, CertificateValidator certificates,
    IOptions<HubOptions> hub, IAs4PullStore pullStore, TimeProvider time) : IPartnerTransport
{
    /// <summary>The named HttpClient this transport uses.</summary>
    public const string ClientName = "as4-partners";

    /// <summary>Largest answer read (a receipt or an error signal): 1 MiB.</summary>
    public const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>Reception awareness per P-Mode: RetryCount resends after the first attempt, from RetryInterval doubling, at most an hour apart.</summary>
    public PartnerRetryPolicy? RetryPolicyFor(string accessPointId) =>
        options.Value.For(accessPointId)?.RetryPolicy();

    public async Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken)
    {
        var pmode = message.AccessPointId is { } accessPoint ? options.Value.For(accessPoint) : null;
        if (pmode is null)
        {
            throw new System.Net.ProtocolViolationException($"No AS4 P-Mode for {message.AccessPointId} (Hub:As4:PModes).");
        }
        var document = HardenedXml.TryLoad(message.Payload, new IntakeOptions(), "dispatch", out var error)
            ?? throw new System.Net.ProtocolViolationException(error!.Detail);
        var header = SbdhReader.TryRead(document, out _, out var problem) ?? throw new System.Net.ProtocolViolationException(problem!);
        // RFC 2822 msg-id form (no ':' on the right): e.g. <instance id>@fr.ap0001.eessi
        var messageId = $"{message.MessageId}@{hub.Value.AccessPointId.Replace(':', '.').ToLowerInvariant()}.eessi";
        var request = new As4UserMessageRequest(messageId, time.GetUtcNow(), header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, message.Payload,
            MessageProperties: [new("originalSender", header.Sender.InstitutionId), new("finalRecipient", header.Receivers[0].InstitutionId)]);
        var mpc = pmode.MpcFor(header.Receivers[0].InstitutionId);
        var sent = As4MessageBuilder.UserMessage(pmode, request with { Mpc = mpc }, keys.Current);
        if (pmode.IsPull)
        {
            return await QueueAsync(message, pmode, mpc, messageId, sent, cancellationToken);
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, pmode.Url) { Content = new ByteArrayContent(sent.Body) };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(sent.ContentType);
        using var response = await clients.CreateClient(ClientName).SendAsync(post, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var answer = await As4HttpAnswer.ReadAsync(response, MaxAnswerBytes, cancellationToken);
        var status = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType?.ToString();
        if (status >= 300)
        {
            // The dispatch stage decides: 5xx, 408 and 429 are retried, any other refusal is final.
            return new PartnerResponse(status, answer, contentType);
        }

        var framed = As4HttpAnswer.Framed(contentType, answer);
        var signal = As4MessageReader.TryRead(framed, new As4ReaderLimits(), out var readError);
        var verdict = await As4ReceiptVerifier.VerifyAsync(signal, readError?.Detail, messageId, sent.SignedReferences, message.AccessPointId!, pmode.Id,
            trust, certificates, cancellationToken);
        return new PartnerResponse(status, answer, contentType, verdict.Proof, verdict.Problem, verdict.Refusal) { SentMessage = sent.Body, SentContentType = sent.ContentType };
    }

    /// <summary>
    /// Pull P-Mode: the signed message goes into the partner's MPC instead of being posted. A second dispatch of the
    /// same document (after a crash) finds its MessageId queued and keeps the first bytes.
    /// </summary>
    private async Task<PartnerResponse> QueueAsync(PartnerMessage message, As4PMode pmode, string mpc, string messageId, As4OutboundMessage sent, CancellationToken cancellationToken)
    {
        var documentId = message.DocumentId ?? throw new InvalidOperationException("A pull P-Mode needs the document id to queue the message.");
        await pullStore.EnqueueAsync(new QueuedAs4Message(mpc, messageId, documentId, pmode.AccessPointId, pmode.Id, sent.ContentType, sent.Body,
            JsonSerializer.Serialize(sent.SignedReferences), time.GetUtcNow()), cancellationToken);
        return new PartnerResponse(202, [], null, Queued: new Dictionary<string, string>
        {
            ["as4MessageId"] = messageId,
            ["pmode"] = pmode.Id,
            ["mpc"] = mpc,
        });
    }
}
