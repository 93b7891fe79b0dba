using System.Net.Http.Headers;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Adapters.As4.Pulling;

/// <summary>What a pull brought back.</summary>
public enum As4PullOutcome
{
    /// <summary>A user message (not verified yet: the receive path does that).</summary>
    Message,

    /// <summary>EBMS:0006 EmptyMessagePartitionChannel: nothing waiting.</summary>
    Empty,

    /// <summary>Anything else: an ebMS error, an unreadable or unexpected answer, an HTTP error.</summary>
    Failed,
}

/// <summary>The answer to one PullRequest.</summary>
/// <param name="Outcome">What it was.</param>
/// <param name="Message">The message read (user message, or the signal), when readable.</param>
/// <param name="Framed">The answer with its Content-Type header, as the reader took it (for the receive path).</param>
/// <param name="Problem">For <see cref="As4PullOutcome.Failed"/>: the ebMS error code or what was wrong (never personal data).</param>
public sealed record As4PullResult(As4PullOutcome Outcome, As4Message? Message, byte[] Framed, string? Problem);

/// <summary>
/// Pulls from a partner access point (ebMS3 One-Way/Pull, issue 5): posts a WS-Security-signed eb:PullRequest for an
/// MPC and reads the answer (bounded): a user message, EBMS:0006 when the MPC is empty, or an error. It does not
/// verify or accept what it gets (the caller feeds a user message through the same receive path as a push) and
/// posts the signed receipt back with <see cref="SendSignalAsync"/>.
/// </summary>
public sealed class As4PullClient(IHttpClientFactory clients, SigningKeyStore keys, TimeProvider time)
{
    /// <summary>The named HttpClient this client uses.</summary>
    public const string ClientName = "as4-pull";

    private const string SoapMediaType = "application/soap+xml; charset=utf-8";

    /// <summary>Sends a signed PullRequest for <paramref name="pull"/>'s MPC and reads the answer.</summary>
    public async Task<As4PullResult> PullAsync(As4PullSettings pull, CancellationToken cancellationToken)
    {
        var limits = new As4ReaderLimits();
        var request = As4SignalBuilder.PullRequest($"{Guid.NewGuid():N}@cleiss.exchange", time.GetUtcNow(), pull.Mpc);
        var signed = WsSecuritySigner.Sign(request, [], keys.Current, time.GetUtcNow()).Envelope;
        using var post = new HttpRequestMessage(HttpMethod.Post, pull.Url) { Content = new StringContent(signed) };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(SoapMediaType);
        using var response = await clients.CreateClient(ClientName).SendAsync(post, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var framed = As4HttpAnswer.Framed(response.Content.Headers.ContentType?.ToString(), await As4HttpAnswer.ReadAsync(response, limits.MaxMessageBytes, cancellationToken));
        var message = As4MessageReader.TryRead(framed, limits, out var error);
        var status = (int)response.StatusCode;
        if (message?.Messaging is null)
        {
            return new(As4PullOutcome.Failed, message, framed, $"HTTP {status}: {error?.Code ?? "the answer has no eb:Messaging"}");
        }
        if (status < 300 && message.Messaging.UserMessages is [_] && message.Messaging.SignalMessages.Count == 0)
        {
            return new(As4PullOutcome.Message, message, framed, null);
        }
        if (message.Messaging is { UserMessages: [], SignalMessages: [{ Errors: [var only] }] })
        {
            return only.ErrorCode == EbmsErrors.EmptyMessagePartitionChannel.Code
                ? new(As4PullOutcome.Empty, message, framed, null)
                : new(As4PullOutcome.Failed, message, framed, $"HTTP {status}: {only.ErrorCode} {only.ShortDescription}");
        }
        return new(As4PullOutcome.Failed, message, framed, $"HTTP {status}: neither one user message nor one ebMS error.");
    }

    /// <summary>Posts a signed signal (the receipt for a pulled message) to the partner; returns the HTTP status.</summary>
    public async Task<int> SendSignalAsync(As4PullSettings pull, string signedEnvelope, CancellationToken cancellationToken)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, pull.Url) { Content = new StringContent(signedEnvelope) };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(SoapMediaType);
        using var response = await clients.CreateClient(ClientName).SendAsync(post, cancellationToken);
        return (int)response.StatusCode;
    }
}
