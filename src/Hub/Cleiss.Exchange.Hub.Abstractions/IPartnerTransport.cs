namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>A message handed to a partner access point.</summary>
/// <param name="Endpoint">Where the partner access point listens.</param>
/// <param name="MessageId">A stable id for this message; the same on every retry.</param>
/// <param name="Payload">The signed document bytes.</param>
/// <param name="ContentType">The payload media type.</param>
public sealed record PartnerMessage(Uri Endpoint, string MessageId, ReadOnlyMemory<byte> Payload, string ContentType);

/// <summary>What the partner answered.</summary>
/// <param name="StatusCode">Transport status (HTTP status code for HTTP transports).</param>
/// <param name="Body">The answer body, e.g. a signed receipt.</param>
/// <param name="ContentType">The answer media type, if any.</param>
public sealed record PartnerResponse(int StatusCode, byte[] Body, string? ContentType);

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
