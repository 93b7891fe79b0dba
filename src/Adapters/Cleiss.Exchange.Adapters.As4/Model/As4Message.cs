using System.Text.Json.Serialization;
using System.Xml;

namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>
/// What the reader found in one AS4 message: its framing, the SOAP envelope's ebMS3 header, the WS-Security
/// summary, the multi-hop headers and the attachments. Nothing here is verified: it is what the bytes say.
/// </summary>
public sealed record As4Message(
    As4Framing Framing,
    string? StartLine,
    IReadOnlyList<As4Header> TransportHeaders,
    As4SoapVersion SoapVersion,
    As4Part? SoapPart,
    As4Messaging? Messaging,
    As4Security? Security,
    As4MultiHop? MultiHop,
    As4Body Body,
    IReadOnlyList<string> OtherHeaders,
    IReadOnlyList<As4Attachment> Attachments,
    IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The envelope as parsed by the hardened reader (whitespace preserved), for signature verification
    /// (<see cref="Security.WsSecurityVerifier"/>). Not serialised. Treat it as read-only.
    /// </summary>
    [JsonIgnore]
    public XmlDocument? Envelope { get; init; }
}
