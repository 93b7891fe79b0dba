namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>A message handed to a partner access point.</summary>
/// <param name="Endpoint">Where the partner access point listens.</param>
/// <param name="MessageId">A stable id for this message; the same on every retry.</param>
/// <param name="Payload">The signed document bytes.</param>
/// <param name="ContentType">The payload media type.</param>
/// <param name="AccessPointId">The partner access point's directory id (transports with per-partner settings use it).</param>
/// <param name="DocumentId">The hub's id of the document (a transport that queues the message for a pull records it).</param>
public sealed record PartnerMessage(Uri Endpoint, string MessageId, ReadOnlyMemory<byte> Payload, string ContentType, string? AccessPointId = null, Guid? DocumentId = null);

/// <summary>Proof of delivery established by the transport itself (e.g. a verified AS4 non-repudiation receipt).</summary>
/// <param name="ReceiptId">The id of the partner's receipt.</param>
/// <param name="IssuerAccessPointId">The access point that issued it.</param>
/// <param name="Facts">What the audit event records about it (never personal data).</param>
public sealed record DeliveryProof(string ReceiptId, string IssuerAccessPointId, IReadOnlyDictionary<string, string> Facts);

/// <summary>What the partner answered.</summary>
/// <param name="StatusCode">Transport status (HTTP status code for HTTP transports).</param>
/// <param name="Body">The answer body, e.g. a signed receipt.</param>
/// <param name="ContentType">The answer media type, if any.</param>
/// <param name="Proof">Set by a transport that checks the receipt itself; the dispatch stage then accepts it as is.</param>
/// <param name="ProofProblem">Set by such a transport when the answer is not a valid proof of delivery (why): the
/// message is sent again (same id) within the partner's retry policy (reception awareness), then dead-lettered.</param>
/// <param name="Refusal">Set by such a transport when the partner refused the message (e.g. an ebMS error signal): final.</param>
/// <param name="Queued">
/// Set by a transport that stored the message for the partner to collect (AS4 pull) instead of sending it: what the
/// audit records about it (never personal data). There is no proof yet; it comes with the partner's receipt.
/// </param>
public sealed record PartnerResponse(int StatusCode, byte[] Body, string? ContentType, DeliveryProof? Proof = null, string? ProofProblem = null, string? Refusal = null,
    IReadOnlyDictionary<string, string>? Queued = null)
{
    /// <summary>The message as the transport put it on the wire (e.g. the signed AS4 MIME message) when it differs from the payload, for evidence.</summary>
    public byte[]? SentMessage { get; init; }

    /// <summary>The media type of <see cref="SentMessage"/>.</summary>
    public string? SentContentType { get; init; }
}

/// <summary>
/// How often and how long a partner is tried again until a valid receipt arrives (AS4 reception awareness:
/// per P-Mode). The interval doubles after each attempt, up to <paramref name="MaxInterval"/>.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first send included.</param>
/// <param name="FirstInterval">The wait before the first resend.</param>
/// <param name="MaxInterval">The longest wait between two attempts.</param>
public sealed record PartnerRetryPolicy(int MaxAttempts, TimeSpan FirstInterval, TimeSpan MaxInterval)
{
    /// <summary>How long after the first attempt the last one is made: the sum of the waits.</summary>
    public TimeSpan Horizon => Enumerable.Range(1, Math.Max(0, MaxAttempts - 1)).Aggregate(TimeSpan.Zero, (sum, attempt) => sum + After(attempt));

    /// <summary>The wait after attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan After(int attempt)
    {
        var ticks = FirstInterval.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 62));
        return ticks >= MaxInterval.Ticks ? MaxInterval : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>
/// Carries a signed document to a partner access point and returns its answer.
/// The plain HTTP transport is the first implementation; AS4 replaces it.
/// </summary>
public interface IPartnerTransport
{
    /// <summary>Sends one message. Throws <see cref="HttpRequestException"/> or
    /// <see cref="TaskCanceledException"/> when the partner cannot be reached.</summary>
    Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken);

    /// <summary>The partner's own retry policy (e.g. an AS4 P-Mode's reception awareness), or null for the hub's
    /// (<c>Hub:Dispatch</c>).</summary>
    PartnerRetryPolicy? RetryPolicyFor(string accessPointId) => null;
}
