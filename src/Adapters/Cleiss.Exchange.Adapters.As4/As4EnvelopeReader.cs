using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4;

/// <summary>
/// Reads the SOAP envelope of an AS4 message (parsed by <see cref="HardenedXml"/> only) into the model: eb:Messaging,
/// the wsse:Security summary, the multi-hop headers and the Body. ebMS elements are matched by local name inside
/// eb:Messaging and ebint:RoutingInput (the routing copy of the user message has its own namespace).
/// </summary>
internal static class As4EnvelopeReader
{
    public static As4Message? TryRead(ReadOnlyMemory<byte> xml, As4ReaderLimits limits, As4Framing framing, string? startLine, IReadOnlyList<As4Header> headers,
        As4Part? soapPart, IReadOnlyList<As4Attachment> attachments, List<string> notes, out ExchangeError? error)
    {
        var document = HardenedXml.TryLoad(xml, limits.Xml, As4MessageReader.Stage, out error);
        if (document is null)
        {
            return null;
        }
        var envelope = document.DocumentElement!;
        As4SoapVersion version;
        if (envelope.LocalName == "Envelope" && envelope.NamespaceURI == Soap12)
        {
            version = As4SoapVersion.Soap12;
        }
        else if (envelope.LocalName == "Envelope" && envelope.NamespaceURI == Soap11)
        {
            version = As4SoapVersion.Soap11;
        }
        else
        {
            error = As4MessageReader.Fail(ExchangeErrors.As4NotSoapEnvelope, $"The root element is {{{envelope.NamespaceURI}}}{envelope.LocalName}, not a SOAP Envelope.");
            return null;
        }
        var soap = envelope.NamespaceURI;
        XmlElement? header = null;
        XmlElement? body = null;
        foreach (var child in Elements(envelope))
        {
            if (child.NamespaceURI == soap && child.LocalName == "Header" && header is null && body is null)
            {
                header = child;
            }
            else if (child.NamespaceURI == soap && child.LocalName == "Body" && body is null)
            {
                body = child;
            }
            else
            {
                error = As4MessageReader.Fail(ExchangeErrors.As4NotSoapEnvelope, $"Unexpected element {child.Name} in the SOAP Envelope.");
                return null;
            }
        }
        if (body is null)
        {
            error = As4MessageReader.Fail(ExchangeErrors.As4NotSoapEnvelope, "The SOAP Envelope has no Body.");
            return null;
        }

        As4Messaging? messaging = null;
        var security = new SecurityBuilder();
        string? wsaTo = null, wsaToRole = null, wsaAction = null;
        As4UserMessage? routing = null;
        var multiHop = false;
        var others = new List<string>();
        foreach (var block in header is null ? [] : Elements(header))
        {
            if (block.NamespaceURI == Ebms && block.LocalName == "Messaging")
            {
                if (messaging is not null)
                {
                    notes.Add("More than one eb:Messaging header; only the first is read.");
                    continue;
                }
                messaging = ReadMessaging(block, soap, notes);
            }
            else if ((block.NamespaceURI == Wsse || block.NamespaceURI == Wsse11) && block.LocalName == "Security")
            {
                security.Add(block);
            }
            else if (block.NamespaceURI == Wsa && block.LocalName == "To")
            {
                multiHop = true;
                wsaTo = Text(block);
                wsaToRole = SoapAttribute(block, soap, "role") ?? SoapAttribute(block, soap, "actor");
            }
            else if (block.NamespaceURI == Wsa && block.LocalName == "Action")
            {
                multiHop = true;
                wsaAction = Text(block);
            }
            else if (block.LocalName == "RoutingInput")
            {
                multiHop = true;
                var user = Child(block, "UserMessage");
                routing = user is null ? null : ReadUserMessage(user);
            }
            else
            {
                others.Add($"{{{block.NamespaceURI}}}{block.LocalName}");
            }
        }
        if (messaging is null)
        {
            notes.Add("No eb:Messaging header: not an ebMS3 message (a SOAP envelope only).");
        }

        var bodyChildren = new List<string>();
        As4Fault? fault = null;
        foreach (var child in Elements(body))
        {
            bodyChildren.Add($"{{{child.NamespaceURI}}}{child.LocalName}");
            if (child.NamespaceURI == soap && child.LocalName == "Fault")
            {
                fault = ReadFault(child, soap);
            }
            else if (child.NamespaceURI == Xenc && child.LocalName == "EncryptedData")
            {
                security.AddEncryptedData(child);
            }
        }

        CheckPayloadReferences(messaging, soapPart is not null, attachments, notes);
        error = null;
        return new As4Message(
            framing,
            startLine,
            headers,
            version,
            soapPart,
            messaging,
            security.Build(),
            multiHop ? new As4MultiHop(wsaTo, wsaToRole, wsaAction, routing) : null,
            new As4Body(Attribute(body, Wsu, "Id"), bodyChildren, fault),
            others,
            attachments,
            notes.Distinct(StringComparer.Ordinal).ToList())
        {
            Envelope = document,
        };
    }

    private static As4Messaging ReadMessaging(XmlElement messaging, string soap, List<string> notes)
    {
        var users = new List<As4UserMessage>();
        var signals = new List<As4SignalMessage>();
        foreach (var child in Elements(messaging))
        {
            if (child.LocalName == "UserMessage")
            {
                users.Add(ReadUserMessage(child));
            }
            else if (child.LocalName == "SignalMessage")
            {
                signals.Add(ReadSignal(child, notes));
            }
        }
        if (users.Count > 1)
        {
            notes.Add($"eb:Messaging carries {users.Count} UserMessages; AS4 allows one.");
        }
        var mustUnderstand = SoapAttribute(messaging, soap, "mustUnderstand");
        return new As4Messaging(
            Attribute(messaging, Wsu, "Id"),
            mustUnderstand is "true" or "1",
            SoapAttribute(messaging, soap, "role") ?? SoapAttribute(messaging, soap, "actor"),
            users,
            signals);
    }

    private static As4UserMessage ReadUserMessage(XmlElement user)
    {
        var party = Child(user, "PartyInfo");
        var collaboration = Child(user, "CollaborationInfo");
        As4Collaboration? collaborationInfo = null;
        if (collaboration is not null)
        {
            var agreement = Child(collaboration, "AgreementRef");
            var service = Child(collaboration, "Service");
            collaborationInfo = new As4Collaboration(
                agreement is null ? null : Text(agreement), agreement?.GetAttribute("type").NullIfEmpty(), agreement?.GetAttribute("pmode").NullIfEmpty(),
                service is null ? null : Text(service), service?.GetAttribute("type").NullIfEmpty(),
                ChildText(collaboration, "Action"), ChildText(collaboration, "ConversationId"));
        }
        var parts = new List<As4PartInfo>();
        if (Child(user, "PayloadInfo") is { } payload)
        {
            foreach (var part in Children(payload, "PartInfo"))
            {
                var properties = Child(part, "PartProperties") is { } list ? Properties(list) : [];
                parts.Add(new As4PartInfo(part.GetAttribute("href").NullIfEmpty(), properties));
            }
        }
        return new As4UserMessage(
            user.GetAttribute("mpc").NullIfEmpty(),
            Child(user, "MessageInfo") is { } info ? ReadMessageInfo(info) : null,
            party is not null && Child(party, "From") is { } from ? ReadParty(from) : null,
            party is not null && Child(party, "To") is { } to ? ReadParty(to) : null,
            collaborationInfo,
            Child(user, "MessageProperties") is { } messageProperties ? Properties(messageProperties) : [],
            parts);
    }

    private static As4SignalMessage ReadSignal(XmlElement signal, List<string> notes)
    {
        As4Receipt? receipt = null;
        As4PullRequest? pull = null;
        var errors = new List<As4Error>();
        foreach (var child in Elements(signal))
        {
            switch (child.LocalName)
            {
                case "Receipt":
                    receipt = ReadReceipt(child, notes);
                    break;
                case "Error":
                    errors.Add(new As4Error(
                        child.GetAttribute("errorCode").NullIfEmpty(), child.GetAttribute("severity").NullIfEmpty(), child.GetAttribute("category").NullIfEmpty(),
                        child.GetAttribute("shortDescription").NullIfEmpty(), child.GetAttribute("origin").NullIfEmpty(),
                        child.GetAttribute("refToMessageInError").NullIfEmpty(), ChildText(child, "Description")));
                    break;
                case "PullRequest":
                    pull = new As4PullRequest(child.GetAttribute("mpc").NullIfEmpty());
                    break;
            }
        }
        return new As4SignalMessage(Child(signal, "MessageInfo") is { } info ? ReadMessageInfo(info) : null, receipt, errors, pull);
    }

    private static As4Receipt ReadReceipt(XmlElement receipt, List<string> notes)
    {
        string? nriNamespace = null;
        var references = new List<As4Reference>();
        As4UserMessage? embedded = null;
        var other = new List<string>();
        foreach (var child in Elements(receipt))
        {
            if (child.LocalName == "NonRepudiationInformation")
            {
                nriNamespace = child.NamespaceURI;
                if (nriNamespace != EbbpSignals)
                {
                    notes.Add($"eb:Receipt's NonRepudiationInformation is in namespace '{nriNamespace}', not {EbbpSignals}.");
                }
                foreach (var information in Elements(child))
                {
                    foreach (var reference in Elements(information))
                    {
                        if (reference.LocalName != "Reference")
                        {
                            continue;
                        }
                        if (reference.NamespaceURI != Dsig)
                        {
                            // Receipt_InvalidNRI_Namespace.as4 (eessi-as4.net): the references are there, in the wrong namespace.
                            notes.Add($"A NonRepudiationInformation Reference is in namespace '{reference.NamespaceURI}', not {Dsig}.");
                        }
                        references.Add(ReadReference(reference));
                    }
                }
            }
            else if (child.LocalName == "UserMessage")
            {
                embedded = ReadUserMessage(child);
            }
            else
            {
                // TestReceipt11.xml (phase4) embeds the whole SOAP envelope received, whose eb:UserMessage is the one acknowledged.
                other.Add($"{{{child.NamespaceURI}}}{child.LocalName}");
                if (embedded is null && child.GetElementsByTagName("UserMessage", Ebms) is { Count: > 0 } found)
                {
                    embedded = ReadUserMessage((XmlElement)found[0]!);
                }
            }
        }
        return new As4Receipt(nriNamespace, references, embedded, other);
    }

    private static As4MessageInfo ReadMessageInfo(XmlElement info) =>
        new(ChildText(info, "MessageId"), ChildText(info, "Timestamp"), ChildText(info, "RefToMessageId"));

    private static As4Party ReadParty(XmlElement party)
    {
        var ids = new List<As4PartyId>();
        foreach (var id in Children(party, "PartyId"))
        {
            ids.Add(new As4PartyId(Text(id), id.GetAttribute("type").NullIfEmpty()));
        }
        return new As4Party(ids, ChildText(party, "Role"));
    }

    private static List<As4Property> Properties(XmlElement list)
    {
        var properties = new List<As4Property>();
        foreach (var property in Children(list, "Property"))
        {
            properties.Add(new As4Property(property.GetAttribute("name").NullIfEmpty(), property.GetAttribute("type").NullIfEmpty(), Text(property)));
        }
        return properties;
    }

    private static As4Fault ReadFault(XmlElement fault, string soap)
    {
        if (soap == Soap12)
        {
            var code = Child(fault, "Code");
            var subcode = code is null ? null : Child(code, "Subcode");
            var reason = Child(fault, "Reason");
            return new As4Fault(code is null ? null : ChildText(code, "Value"), subcode is null ? null : ChildText(subcode, "Value"), reason is null ? null : ChildText(reason, "Text"));
        }
        return new As4Fault(ChildText(fault, "faultcode"), null, ChildText(fault, "faultstring"));
    }

    internal static As4Reference ReadReference(XmlElement reference)
    {
        var transforms = new List<string>();
        if (NsChild(reference, reference.NamespaceURI, "Transforms") is { } list)
        {
            foreach (var transform in Elements(list))
            {
                transforms.Add(transform.GetAttribute("Algorithm"));
            }
        }
        return new As4Reference(
            reference.HasAttribute("URI") ? reference.GetAttribute("URI") : null,
            transforms,
            NsChild(reference, reference.NamespaceURI, "DigestMethod")?.GetAttribute("Algorithm").NullIfEmpty(),
            NsChild(reference, reference.NamespaceURI, "DigestValue") is { } digest ? Text(digest) : null);
    }

    /// <summary>Notes a PartInfo that points at an attachment the MIME message does not carry.</summary>
    private static void CheckPayloadReferences(As4Messaging? messaging, bool isMime, IReadOnlyList<As4Attachment> attachments, List<string> notes)
    {
        if (messaging is null)
        {
            return;
        }
        foreach (var user in messaging.UserMessages)
        {
            foreach (var part in user.Parts)
            {
                if (part.CompressionType is { } compression && compression != "application/gzip")
                {
                    notes.Add($"PartInfo {part.Href} has CompressionType {compression}; AS4 allows only application/gzip.");
                }
                if (!isMime || part.Href is null || !part.Href.StartsWith("cid:", StringComparison.Ordinal))
                {
                    continue;
                }
                var cid = Uri.UnescapeDataString(part.Href[4..]);
                var found = false;
                foreach (var attachment in attachments)
                {
                    found |= string.Equals(attachment.ContentId, cid, StringComparison.Ordinal);
                }
                if (!found)
                {
                    notes.Add($"PartInfo {part.Href} names no attachment of this message.");
                }
            }
        }
    }

    internal static IEnumerable<XmlElement> Elements(XmlElement parent)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element)
            {
                yield return element;
            }
        }
    }

    private static XmlElement? Child(XmlElement parent, string localName)
    {
        foreach (var child in Elements(parent))
        {
            if (child.LocalName == localName)
            {
                return child;
            }
        }
        return null;
    }

    private static IEnumerable<XmlElement> Children(XmlElement parent, string localName)
    {
        foreach (var child in Elements(parent))
        {
            if (child.LocalName == localName)
            {
                yield return child;
            }
        }
    }

    internal static XmlElement? DsChild(XmlElement parent, string localName) => NsChild(parent, Dsig, localName);

    internal static XmlElement? NsChild(XmlElement parent, string ns, string localName)
    {
        foreach (var child in Elements(parent))
        {
            if (child.LocalName == localName && child.NamespaceURI == ns)
            {
                return child;
            }
        }
        return null;
    }

    private static string? ChildText(XmlElement parent, string localName) => Child(parent, localName) is { } child ? Text(child) : null;

    internal static string Text(XmlElement element) => element.InnerText.Trim();

    internal static string? Attribute(XmlElement element, string ns, string localName) => element.GetAttributeNode(localName, ns)?.Value;

    private static string? SoapAttribute(XmlElement element, string soap, string localName) => Attribute(element, soap, localName);

    private static string? NullIfEmpty(this string value) => value.Length == 0 ? null : value;
}
