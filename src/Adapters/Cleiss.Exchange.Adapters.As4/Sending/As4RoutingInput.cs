using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>
/// The multi-hop headers (ebMS3 Part 2, as EESSI uses them), written when the P-Mode (or, for a signal, the
/// message answered) is multi-hop: wsa:To <c>icloud</c> targeted at the <c>nextmsh</c> role, wsa:Action, and on
/// signals the ebint:RoutingInput that lets the intermediaries route the answer back: a copy of the user message
/// answered with From and To swapped and <c>.response</c> appended to its MPC and Action (its MessageInfo,
/// properties and payload info kept). Each header carries a wsu:Id so the WS-Security signature covers it.
/// </summary>
public static class As4RoutingInput
{
    public const string NextMsh = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/part2/200811/nextmsh";
    public const string ICloud = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/part2/200811/icloud";
    public const string OneWayRequest = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/oneWay.request";
    public const string OneWayReceipt = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/oneWay.receipt";
    public const string OneWayError = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/oneWay.error";
    public const string ToId = "_wsato";
    public const string ActionId = "_wsaaction";
    public const string RoutingInputId = "_routinginput";

    private const string S = As4Namespaces.Soap12, Eb = As4Namespaces.Ebms, Wsa = As4Namespaces.Wsa, Wsu = As4Namespaces.Wsu;

    /// <summary>wsa:To (nextmsh → icloud) and wsa:Action, inside the SOAP header being written.</summary>
    public static void WriteAddressing(XmlWriter xml, string action)
    {
        xml.WriteStartElement("wsa", "To", Wsa);
        xml.WriteAttributeString("role", S, NextMsh);
        xml.WriteAttributeString("Id", Wsu, ToId);
        xml.WriteString(ICloud);
        xml.WriteEndElement();
        xml.WriteStartElement("wsa", "Action", Wsa);
        xml.WriteAttributeString("Id", Wsu, ActionId);
        xml.WriteString(action);
        xml.WriteEndElement();
    }

    /// <summary>ebint:RoutingInput for a signal answering <paramref name="answered"/>.</summary>
    public static void WriteRoutingInput(XmlWriter xml, As4UserMessage answered)
    {
        xml.WriteStartElement("ebint", "RoutingInput", As4Namespaces.MultiHop);
        xml.WriteAttributeString("role", S, NextMsh);
        xml.WriteAttributeString("Id", Wsu, RoutingInputId);
        xml.WriteStartElement("UserMessage", As4Namespaces.MultiHop);
        xml.WriteAttributeString("mpc", (answered.Mpc ?? As4PMode.DefaultMpc) + ".response");

        xml.WriteStartElement("MessageInfo", Eb);
        xml.WriteElementString("Timestamp", Eb, answered.MessageInfo?.Timestamp ?? string.Empty);
        xml.WriteElementString("MessageId", Eb, answered.MessageInfo?.MessageId ?? string.Empty);
        xml.WriteEndElement();

        xml.WriteStartElement("PartyInfo", Eb);
        Party(xml, "From", answered.To);
        Party(xml, "To", answered.From);
        xml.WriteEndElement();

        if (answered.Collaboration is { } collaboration)
        {
            xml.WriteStartElement("CollaborationInfo", Eb);
            xml.WriteStartElement("Service", Eb);
            if (collaboration.ServiceType is { } type)
            {
                xml.WriteAttributeString("type", type);
            }
            xml.WriteString(collaboration.Service ?? string.Empty);
            xml.WriteEndElement();
            xml.WriteElementString("Action", Eb, (collaboration.Action ?? string.Empty) + ".response");
            xml.WriteElementString("ConversationId", Eb, collaboration.ConversationId ?? string.Empty);
            xml.WriteEndElement();
        }

        if (answered.MessageProperties.Count > 0)
        {
            xml.WriteStartElement("MessageProperties", Eb);
            Properties(xml, answered.MessageProperties);
            xml.WriteEndElement();
        }
        if (answered.Parts.Count > 0)
        {
            xml.WriteStartElement("PayloadInfo", Eb);
            foreach (var part in answered.Parts)
            {
                xml.WriteStartElement("PartInfo", Eb);
                if (part.Href is { } href)
                {
                    xml.WriteAttributeString("href", href);
                }
                xml.WriteStartElement("PartProperties", Eb);
                Properties(xml, part.Properties);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        xml.WriteEndElement(); // UserMessage
        xml.WriteEndElement(); // RoutingInput
    }

    private static void Party(XmlWriter xml, string element, As4Party? party)
    {
        xml.WriteStartElement(element, Eb);
        foreach (var id in party?.PartyIds ?? [])
        {
            xml.WriteStartElement("PartyId", Eb);
            if (id.Type is { } type)
            {
                xml.WriteAttributeString("type", type);
            }
            xml.WriteString(id.Value);
            xml.WriteEndElement();
        }
        xml.WriteElementString("Role", Eb, party?.Role ?? string.Empty);
        xml.WriteEndElement();
    }

    private static void Properties(XmlWriter xml, IReadOnlyList<As4Property> properties)
    {
        foreach (var property in properties)
        {
            xml.WriteStartElement("Property", Eb);
            xml.WriteAttributeString("name", property.Name ?? string.Empty);
            if (property.Type is { } type)
            {
                xml.WriteAttributeString("type", type);
            }
            xml.WriteString(property.Value);
            xml.WriteEndElement();
        }
    }
}
