using System.Text;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>What the hub answers an AS4 message with: an HTTP status and a body (a signed signal, or a pulled user message).</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentType">The body's Content-Type (empty body: null).</param>
/// <param name="Body">The body.</param>
/// <param name="SignedEnvelope">For a signal: the signed SOAP envelope (the pull worker posts a receipt back with it).</param>
internal sealed record As4Answer(int Status, string? ContentType, byte[] Body, string? SignedEnvelope = null)
{
    public const string SoapMediaType = "application/soap+xml";

    /// <summary>A signed signal envelope.</summary>
    public static As4Answer Signal(string signedEnvelope, int status) =>
        new(status, $"{SoapMediaType}; charset=utf-8", Encoding.UTF8.GetBytes(signedEnvelope), signedEnvelope);

    /// <summary>A signed ebMS Error signal about <paramref name="refTo"/> (null when the message could not be read).</summary>
    public static As4Answer Error(SigningKeyStore keys, TimeProvider time, string? refTo, EbmsErrorCode code, string description, int status)
    {
        var signal = As4SignalBuilder.Error(NewMessageId(), time.GetUtcNow(), refTo, code, description);
        return Signal(WsSecuritySigner.Sign(signal, [], keys.Current, time.GetUtcNow()).Envelope, status);
    }

    /// <summary>An eb:MessageId for a signal the hub writes.</summary>
    public static string NewMessageId() => $"{Guid.NewGuid():N}@cleiss.exchange";
}
