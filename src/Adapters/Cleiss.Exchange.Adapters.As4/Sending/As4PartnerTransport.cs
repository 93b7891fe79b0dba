using System.Net.Http.Headers;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>
/// Sends each signed SED as an AS4 user message (push) to the partner access point's P-Mode URL and turns its
/// answer into proof of delivery (runs per message): the message id is derived from the SBDH instance identifier,
/// so every retry carries the same eb:MessageId and the partner's duplicate elimination absorbs it; the message is
/// WS-Security-signed with the hub's key; the answer counts only if it is a non-repudiation receipt for this
/// message, signed by a certificate registered for that access point that passes the certificate checks, listing
/// every reference the hub signed with the same digest. Server errors and unreachable partners surface as before
/// (the dispatch stage retries); an ebMS error signal is a refusal.
/// </summary>
public sealed class As4PartnerTransport(
    IHttpClientFactory clients, IOptions<As4Options> options, SigningKeyStore keys, TrustStore trust, CertificateValidator certificates,
    IOptions<HubOptions> hub, TimeProvider time) : IPartnerTransport
{
    /// <summary>The named HttpClient this transport uses.</summary>
    public const string ClientName = "as4-partners";

    /// <summary>Largest answer read (a receipt or an error signal): 1 MiB.</summary>
    public const int MaxAnswerBytes = 1024 * 1024;

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
        var sent = As4MessageBuilder.UserMessage(pmode, request, keys.Current);

        using var post = new HttpRequestMessage(HttpMethod.Post, pmode.Url) { Content = new ByteArrayContent(sent.Body) };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(sent.ContentType);
        using var response = await clients.CreateClient(ClientName).SendAsync(post, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var answer = await ReadAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType?.ToString();
        if (status >= 300)
        {
            // The dispatch stage decides: 5xx, 408 and 429 are retried, any other refusal is final.
            return new PartnerResponse(status, answer, contentType);
        }

        var framed = System.Text.Encoding.ASCII.GetBytes($"Content-Type: {contentType}\r\n\r\n").Concat(answer).ToArray();
        var signal = As4MessageReader.TryRead(framed, new As4ReaderLimits(), out var readError);
        if (signal?.Messaging?.SignalMessages is not [var only] || only.MessageInfo?.RefToMessageId != messageId)
        {
            return new PartnerResponse(status, answer, contentType, ProofProblem: readError?.Detail ?? "The answer is not a signal about this message.");
        }
        if (only.Errors is [var first, ..])
        {
            return new PartnerResponse(status, answer, contentType, ProofProblem: $"The partner answered an ebMS error {first.ErrorCode} ({first.ShortDescription}).", Refused: true);
        }
        if (only.Receipt is not { } receipt || !As4SignalBuilder.ProvesDeliveryOf(receipt, sent.SignedReferences))
        {
            return new PartnerResponse(status, answer, contentType, ProofProblem: "The receipt does not acknowledge every part sent with its digest.");
        }
        foreach (var certificate in trust.FindAll(message.AccessPointId!))
        {
            var check = await certificates.CheckNowAsync(certificate, cancellationToken);
            if (check.IsValid && WsSecurityVerifier.Verify(signal, new As4VerificationKeys { Override = certificate }).IsValid)
            {
                return new PartnerResponse(status, answer, contentType, new DeliveryProof(only.MessageInfo!.MessageId ?? messageId, message.AccessPointId!,
                    new Dictionary<string, string>
                    {
                        ["as4MessageId"] = messageId,
                        ["pmode"] = pmode.Id,
                        ["receiptKeyId"] = SigningKeyStore.KeyId(certificate),
                        ["receiptRevocation"] = check.Revocation,
                    }));
            }
        }
        return new PartnerResponse(status, answer, contentType, ProofProblem: "The receipt is not signed by a certificate registered for the partner access point.");
    }

    private static async Task<byte[]> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
            {
                throw new System.Net.ProtocolViolationException($"The partner's answer exceeds {MaxAnswerBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
