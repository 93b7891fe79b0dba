using System.Globalization;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>An ebMS3 error code with the fields the specification fixes for it (ebMS3 Core 6.7).</summary>
public sealed record EbmsErrorCode(string Code, string ShortDescription, string Category, string Severity);

/// <summary>The ebMS3 / AS4 error codes the hub answers with.</summary>
public static class EbmsErrors
{
    public static readonly EbmsErrorCode ValueNotRecognized = new("EBMS:0001", "ValueNotRecognized", "Content", "failure");
    public static readonly EbmsErrorCode FeatureNotSupported = new("EBMS:0002", "FeatureNotSupported", "Content", "warning");
    public static readonly EbmsErrorCode ValueInconsistent = new("EBMS:0003", "ValueInconsistent", "Content", "failure");
    public static readonly EbmsErrorCode Other = new("EBMS:0004", "Other", "Content", "failure");
    public static readonly EbmsErrorCode ConnectionFailure = new("EBMS:0005", "ConnectionFailure", "Communication", "failure");
    public static readonly EbmsErrorCode EmptyMessagePartitionChannel = new("EBMS:0006", "EmptyMessagePartitionChannel", "Communication", "warning");
    public static readonly EbmsErrorCode MimeInconsistency = new("EBMS:0007", "MimeInconsistency", "Unpackaging", "failure");
    public static readonly EbmsErrorCode FeatureNotSupportedFailure = new("EBMS:0008", "FeatureNotSupported", "Unpackaging", "failure");
    public static readonly EbmsErrorCode InvalidHeader = new("EBMS:0009", "InvalidHeader", "Unpackaging", "failure");
    public static readonly EbmsErrorCode ProcessingModeMismatch = new("EBMS:0010", "ProcessingModeMismatch", "Processing", "failure");
    public static readonly EbmsErrorCode ExternalPayloadError = new("EBMS:0011", "ExternalPayloadError", "Content", "failure");
    public static readonly EbmsErrorCode FailedAuthentication = new("EBMS:0101", "FailedAuthentication", "Processing", "failure");
    public static readonly EbmsErrorCode FailedDecryption = new("EBMS:0102", "FailedDecryption", "Processing", "failure");
    public static readonly EbmsErrorCode PolicyNoncompliance = new("EBMS:0103", "PolicyNoncompliance", "Processing", "failure");
    public static readonly EbmsErrorCode DeliveryFailure = new("EBMS:0202", "DeliveryFailure", "Communication", "failure");
    public static readonly EbmsErrorCode MissingReceipt = new("EBMS:0301", "MissingReceipt", "Communication", "failure");
    public static readonly EbmsErrorCode InvalidReceipt = new("EBMS:0302", "InvalidReceipt", "Communication", "failure");
    public static readonly EbmsErrorCode DecompressionFailure = new("EBMS:0303", "DecompressionFailure", "Communication", "failure");
}

/// <summary>
/// Writes ebMS3 signal messages (runs per message): the non-repudiation receipt (ebbp:NonRepudiationInformation
/// listing, for each ds:Reference the received message signed, its URI, transforms, digest method and digest
/// value), the Error signal and the PullRequest. SOAP 1.2, an empty Body with a wsu:Id, eb:Messaging with a wsu:Id, written with
/// an XmlWriter. The caller signs them (WS-Security) before answering.
/// </summary>
public static class As4SignalBuilder
{
    /// <summary>
    /// A receipt for <paramref name="refToMessageId"/> whose signature had <paramref name="signedReferences"/>; with the
    /// multi-hop headers (<see cref="As4RoutingInput"/>) when <paramref name="multiHopOf"/> (the user message answered,
    /// received with multi-hop headers) is given.
    /// </summary>
    public static string Receipt(string messageId, DateTimeOffset timestamp, string refToMessageId, IReadOnlyList<As4Reference> signedReferences, As4UserMessage? multiHopOf = null) =>
        Signal(messageId, timestamp, refToMessageId, multiHopOf, As4RoutingInput.OneWayReceipt, xml =>
        {
            xml.WriteStartElement("Receipt", As4Namespaces.Ebms);
            xml.WriteStartElement("ebbp", "NonRepudiationInformation", As4Namespaces.EbbpSignals);
            foreach (var reference in signedReferences)
            {
                xml.WriteStartElement("MessagePartNRInformation", As4Namespaces.EbbpSignals);
                xml.WriteStartElement("ds", "Reference", As4Namespaces.Dsig);
                xml.WriteAttributeString("URI", reference.Uri ?? string.Empty);
                if (reference.Transforms.Count > 0)
                {
                    xml.WriteStartElement("Transforms", As4Namespaces.Dsig);
                    foreach (var transform in reference.Transforms)
                    {
                        xml.WriteStartElement("Transform", As4Namespaces.Dsig);
                        xml.WriteAttributeString("Algorithm", transform);
                        xml.WriteEndElement();
                    }
                    xml.WriteEndElement();
                }
                xml.WriteStartElement("DigestMethod", As4Namespaces.Dsig);
                xml.WriteAttributeString("Algorithm", reference.DigestMethod ?? string.Empty);
                xml.WriteEndElement();
                xml.WriteElementString("DigestValue", As4Namespaces.Dsig, reference.DigestValue ?? string.Empty);
                xml.WriteEndElement(); // ds:Reference
                xml.WriteEndElement(); // MessagePartNRInformation
            }
            xml.WriteEndElement(); // NonRepudiationInformation
            xml.WriteEndElement(); // Receipt
        });

    /// <summary>
    /// An Error signal about <paramref name="refToMessageId"/> (null when the message could not be read at all); with
    /// the multi-hop headers when <paramref name="multiHopOf"/> is given.
    /// </summary>
    public static string Error(string messageId, DateTimeOffset timestamp, string? refToMessageId, EbmsErrorCode error, string? description = null, As4UserMessage? multiHopOf = null) =>
        Signal(messageId, timestamp, refToMessageId, multiHopOf, As4RoutingInput.OneWayError, xml =>
        {
            xml.WriteStartElement("Error", As4Namespaces.Ebms);
            xml.WriteAttributeString("errorCode", error.Code);
            xml.WriteAttributeString("severity", error.Severity);
            xml.WriteAttributeString("category", error.Category);
            xml.WriteAttributeString("shortDescription", error.ShortDescription);
            xml.WriteAttributeString("origin", "ebMS");
            if (refToMessageId is not null)
            {
                xml.WriteAttributeString("refToMessageInError", refToMessageId);
            }
            if (description is not null)
            {
                xml.WriteStartElement("Description", As4Namespaces.Ebms);
                xml.WriteAttributeString("xml", "lang", null, "en");
                xml.WriteString(description);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        });

    /// <summary>An eb:PullRequest for <paramref name="mpc"/> (ebMS3 One-Way/Pull); the caller signs it.</summary>
    public static string PullRequest(string messageId, DateTimeOffset timestamp, string mpc) =>
        Signal(messageId, timestamp, null, null, string.Empty, xml =>
        {
            xml.WriteStartElement("PullRequest", As4Namespaces.Ebms);
            xml.WriteAttributeString("mpc", mpc);
            xml.WriteEndElement();
        });

    /// <summary>
    /// True when <paramref name="receipt"/> proves the delivery of what was sent: it lists every reference the
    /// sent message signed, with the same URI, digest method and digest value (extra entries are ignored).
    /// </summary>
    public static bool ProvesDeliveryOf(As4Receipt receipt, IReadOnlyList<As4Reference> sent)
    {
        if (receipt.NonRepudiationNamespace != As4Namespaces.EbbpSignals || sent.Count == 0)
        {
            return false;
        }
        foreach (var reference in sent)
        {
            if (!receipt.NonRepudiationReferences.Any(r => r.Uri == reference.Uri && r.DigestMethod == reference.DigestMethod && r.DigestValue == reference.DigestValue))
            {
                return false;
            }
        }
        return true;
    }

    private static string Signal(string messageId, DateTimeOffset timestamp, string? refToMessageId, As4UserMessage? multiHopOf, string action, Action<XmlWriter> content)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            const string S = As4Namespaces.Soap12, Eb = As4Namespaces.Ebms, Wsu = As4Namespaces.Wsu;
            xml.WriteStartElement("env", "Envelope", S);
            xml.WriteAttributeString("xmlns", "eb", null, Eb);
            xml.WriteAttributeString("xmlns", "wsu", null, Wsu);
            xml.WriteStartElement("Header", S);
            if (multiHopOf is not null)
            {
                As4RoutingInput.WriteAddressing(xml, action);
                As4RoutingInput.WriteRoutingInput(xml, multiHopOf);
            }
            xml.WriteStartElement("Messaging", Eb);
            if (multiHopOf is not null)
            {
                xml.WriteAttributeString("role", S, As4RoutingInput.NextMsh);
            }
            xml.WriteAttributeString("mustUnderstand", S, "true");
            xml.WriteAttributeString("Id", Wsu, As4MessageBuilder.MessagingId);
            xml.WriteStartElement("SignalMessage", Eb);
            xml.WriteStartElement("MessageInfo", Eb);
            xml.WriteElementString("Timestamp", Eb, timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            xml.WriteElementString("MessageId", Eb, messageId);
            if (refToMessageId is not null)
            {
                xml.WriteElementString("RefToMessageId", Eb, refToMessageId);
            }
            xml.WriteEndElement();
            content(xml);
            xml.WriteEndElement(); // SignalMessage
            xml.WriteEndElement(); // Messaging
            xml.WriteEndElement(); // Header
            xml.WriteStartElement("Body", S);
            xml.WriteAttributeString("Id", Wsu, As4MessageBuilder.BodyId);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        return text.ToString();
    }
}
