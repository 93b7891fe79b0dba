using System.Net.Http.Headers;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Adapters.Http;

/// <summary>
/// Sends a signed document to a partner access point as an HTTP POST body and returns the answer
/// (a signed receipt on success). The message id travels in the <c>X-Message-Id</c> header so the
/// partner can deduplicate retries. Answers are read up to <see cref="MaxAnswerBytes"/>; a larger one
/// is a protocol violation (<see cref="System.Net.ProtocolViolationException"/>), not an outage.
/// A client is taken from the factory per message so connection handlers rotate.
/// </summary>
public sealed class HttpPartnerTransport(IHttpClientFactory clients) : IPartnerTransport
{
    /// <summary>The named HttpClient this transport uses.</summary>
    public const string ClientName = "partner-access-points";

    /// <summary>Largest answer read from a partner (1 MiB).</summary>
    public const int MaxAnswerBytes = 1024 * 1024;

    /// <inheritdoc />
    public async Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, message.Endpoint)
        {
            Content = new ReadOnlyMemoryContent(message.Payload),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(message.ContentType) { CharSet = "utf-8" };
        request.Headers.Add("X-Message-Id", message.MessageId);
        var client = clients.CreateClient(ClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
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
        return new PartnerResponse((int)response.StatusCode, buffer.ToArray(), response.Content.Headers.ContentType?.MediaType);
    }
}
