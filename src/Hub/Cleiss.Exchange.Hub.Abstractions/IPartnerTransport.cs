namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>A message handed to a partner access point.</summary>
/// <param name="Endpoint">Where the partner access point listens.</param>
/// <param name="MessageId">A stable id for this message; the same on every retry.</param>
/// <param name="Payload">The signed document bytes.</param>
/// <param name="ContentType">The payload media type.</param>
/// <param name="AccessPointId">The partner access point's directory id (transports with per-partner settings use it).</param>
public sealed record PartnerMessage(Uri Endpoint, string MessageId, ReadOnlyMemory<byte> Payload, string ContentType, string? AccessPointId = null);

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
/// <param name="ProofProblem">Set by such a transport when the answer is not a valid proof of delivery (why).</param>
/// <param name="Refused">With <paramref name="ProofProblem"/>: the partner refused the message (e.g. an ebMS error signal),
/// so it is final. Otherwise a bad proof (forged or mismatched receipt) is retried like an unanswered send.</param>
public sealed record PartnerResponse(int StatusCode, byte[] Body, string? ContentType, DeliveryProof? Proof = null, string? ProofProblem = null, bool Refused = false);

/// <summary>
/// Carries a signed document to a partner access point and returns its answer.
/// The plain HTTP transport is the first implementation; AS4 replaces it.
/// </summary>
public interface IPartnerTransport
{
    /// <summary>Sends one message. Throws <see cref="HttpRequestException"/> or
    /// <see cref="TaskCanceledException"/> when the partner cannot be reached.</summary>
    Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken);
}
