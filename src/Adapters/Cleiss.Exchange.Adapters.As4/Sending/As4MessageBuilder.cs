using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using MimeKit;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>What one outbound user message carries besides the P-Mode's fixed values.</summary>
/// <param name="MessageId">eb:MessageId (globally unique, RFC 2822 msg-id form without brackets).</param>
/// <param name="Timestamp">eb:Timestamp.</param>
/// <param name="From">The sending institution id (party id of the P-Mode's type).</param>
/// <param name="To">The receiving institution id.</param>
/// <param name="ConversationId">The case id (EESSI: one conversation per BUC case).</param>
/// <param name="Payload">The SBDH + SED document.</param>
/// <param name="RefToMessageId">The message this one answers, if any.</param>
/// <param name="MessageProperties">eb:MessageProperties (e.g. originalSender / finalRecipient).</param>
/// <param name="Mpc">The MPC (eb:UserMessage@mpc) when not the P-Mode's (per-institution pull MPCs).</param>
public sealed record As4UserMessageRequest(
    string MessageId,
    DateTimeOffset Timestamp,
    string From,
    string To,
    string ConversationId,
    ReadOnlyMemory<byte> Payload,
    string? RefToMessageId = null,
    IReadOnlyList<KeyValuePair<string, string>>? MessageProperties = null,
    string? Mpc = null);

/// <summary>An AS4 message ready to post: the HTTP Content-Type and the body (a MIME multipart/related).</summary>
/// <param name="ContentType">The value of the HTTP Content-Type header (boundary, type and start parameters).</param>
/// <param name="Body">The MIME body.</param>
/// <param name="Envelope">The SOAP envelope, as written in the root part (before any WS-Security header).</param>
/// <param name="PayloadContentId">The Content-ID of the SED part (its eb:PartInfo href is <c>cid:</c> + this).</param>
/// <param name="SignedReferences">What the WS-Security signature covers (empty when unsigned): the receipt must list each.</param>
public sealed record As4OutboundMessage(string ContentType, byte[] Body, string Envelope, string PayloadContentId, IReadOnlyList<Model.As4Reference> SignedReferences);

/// <summary>
/// Writes an ebMS3 / AS4 user message the EESSI way (runs per message): SOAP 1.2, one eb:UserMessage with
/// MessageInfo, PartyInfo, CollaborationInfo (ConversationId = case id), MessageProperties and one PartInfo
/// (<c>PartType=SED</c>) pointing at the SED as a MIME attachment, gzip-compressed when the P-Mode says so
/// (<c>CompressionType=application/gzip</c>), an empty Body; wsu:Id on eb:Messaging and the Body for the
/// WS-Security signature; wsa:To (nextmsh) and wsa:Action when the P-Mode is multi-hop. Everything is written
/// with an XmlWriter (values escaped), never by string concatenation of data.
/// </summary>
public static class As4MessageBuilder
{
    public const string MessagingId = "_ebmessaging";
    public const string BodyId = "_body";

    /// <summary>
    /// Builds the message, signed with <paramref name="signer"/> (WS-Security over eb:Messaging, the Body and the
    /// SED part as sent) when given.
    /// </summary>
    public static As4OutboundMessage UserMessage(As4PMode pmode, As4UserMessageRequest request, Cleiss.Exchange.Hub.Trust.SigningCredentials? signer = null, DateTimeOffset? signedAt = null)
    {
        // The SED part's Content-ID: derived from the message id, kept to characters every MIME stack accepts.
        var payloadId = "sed-" + new string(request.MessageId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '@' or '-' or '_' ? c : '-').ToArray());
        var envelope = Envelope(pmode, request, payloadId);
        var payload = pmode.Compress ? Gzip(request.Payload.Span) : request.Payload.ToArray();
        IReadOnlyList<Model.As4Reference> signed = [];
        if (signer is not null)
        {
            (envelope, signed) = WsSecuritySigner.Sign(envelope, [new SignedAttachment(payloadId, payload)], signer, signedAt ?? request.Timestamp);
        }

        var root = new MimePart("application", "soap+xml")
        {
            ContentId = "soap-" + payloadId[4..],
            Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(envelope))),
            ContentTransferEncoding = ContentEncoding.Binary,
        };
        root.ContentType.Charset = "UTF-8";
        var attachment = new MimePart(pmode.Compress ? "application/gzip" : "application/xml")
        {
            ContentId = payloadId,
            Content = new MimeContent(new MemoryStream(payload)),
            ContentTransferEncoding = ContentEncoding.Binary,
        };
        var related = new Multipart("related") { root, attachment };
        related.ContentType.Parameters.Add("type", "application/soap+xml");
        related.ContentType.Parameters.Add("start", "<" + root.ContentId + ">");

        using var body = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        related.WriteTo(format, body, contentOnly: true);
        return new As4OutboundMessage(related.Headers[HeaderId.ContentType]!.Trim(), body.ToArray(), envelope, payloadId, signed);
    }

    private static string Envelope(As4PMode pmode, As4UserMessageRequest request, string payloadId)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Encoding = Encoding.UTF8 }))
        {
            const string S = As4Namespaces.Soap12, Eb = As4Namespaces.Ebms, Wsu = As4Namespaces.Wsu;
            xml.WriteStartElement("env", "Envelope", S);
            xml.WriteAttributeString("xmlns", "eb", null, Eb);
            xml.WriteAttributeString("xmlns", "wsu", null, Wsu);
            xml.WriteStartElement("Header", S);
            if (pmode.MultiHop)
            {
                As4RoutingInput.WriteAddressing(xml, As4RoutingInput.OneWayRequest);
            }
            xml.WriteStartElement("Messaging", Eb);
            if (pmode.MultiHop)
            {
                xml.WriteAttributeString("role", S, As4RoutingInput.NextMsh);
            }
            xml.WriteAttributeString("mustUnderstand", S, "true");
            xml.WriteAttributeString("Id", Wsu, MessagingId);
            xml.WriteStartElement("UserMessage", Eb);
            xml.WriteAttributeString("mpc", request.Mpc ?? pmode.Mpc);

            xml.WriteStartElement("MessageInfo", Eb);
            xml.WriteElementString("Timestamp", Eb, request.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            xml.WriteElementString("MessageId", Eb, request.MessageId);
            if (request.RefToMessageId is { } reference)
            {
                xml.WriteElementString("RefToMessageId", Eb, reference);
            }
            xml.WriteEndElement();

            xml.WriteStartElement("PartyInfo", Eb);
            Party(xml, "From", request.From, pmode.PartyIdType, pmode.InitiatorRole);
            Party(xml, "To", request.To, pmode.PartyIdType, pmode.ResponderRole);
            xml.WriteEndElement();

            xml.WriteStartElement("CollaborationInfo", Eb);
            if (pmode.AgreementRef is { } agreement)
            {
                xml.WriteStartElement("AgreementRef", Eb);
                xml.WriteAttributeString("pmode", pmode.Id);
                xml.WriteString(agreement);
                xml.WriteEndElement();
            }
            xml.WriteStartElement("Service", Eb);
            xml.WriteAttributeString("type", pmode.ServiceType);
            xml.WriteString(pmode.Service);
            xml.WriteEndElement();
            xml.WriteElementString("Action", Eb, pmode.Action);
            xml.WriteElementString("ConversationId", Eb, request.ConversationId);
            xml.WriteEndElement();

            if (request.MessageProperties is { Count: > 0 } properties)
            {
                xml.WriteStartElement("MessageProperties", Eb);
                foreach (var (name, value) in properties)
                {
                    Property(xml, name, value);
                }
                xml.WriteEndElement();
            }

            xml.WriteStartElement("PayloadInfo", Eb);
            xml.WriteStartElement("PartInfo", Eb);
            xml.WriteAttributeString("href", "cid:" + payloadId);
            xml.WriteStartElement("PartProperties", Eb);
            Property(xml, "MimeType", "application/xml");
            Property(xml, "PartType", "SED");
            if (pmode.Compress)
            {
                Property(xml, "CompressionType", "application/gzip");
            }
            xml.WriteEndElement(); // PartProperties
            xml.WriteEndElement(); // PartInfo
            xml.WriteEndElement(); // PayloadInfo

            xml.WriteEndElement(); // UserMessage
            xml.WriteEndElement(); // Messaging
            xml.WriteEndElement(); // Header
            xml.WriteStartElement("Body", S);
            xml.WriteAttributeString("Id", Wsu, BodyId);
            xml.WriteEndElement();
            xml.WriteEndElement(); // Envelope
        }
        return text.ToString();
    }

    private static void Party(XmlWriter xml, string element, string id, string type, string role)
    {
        xml.WriteStartElement(element, As4Namespaces.Ebms);
        xml.WriteStartElement("PartyId", As4Namespaces.Ebms);
        xml.WriteAttributeString("type", type);
        xml.WriteString(id);
        xml.WriteEndElement();
        xml.WriteElementString("Role", As4Namespaces.Ebms, role);
        xml.WriteEndElement();
    }

    private static void Property(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("Property", As4Namespaces.Ebms);
        xml.WriteAttributeString("name", name);
        xml.WriteString(value);
        xml.WriteEndElement();
    }

    private static byte[] Gzip(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }
        return output.ToArray();
    }
}
