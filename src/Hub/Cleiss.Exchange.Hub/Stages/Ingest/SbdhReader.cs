using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Internal;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>Reads the routing facts of the Standard Business Document Header (runs per message).</summary>
public static class SbdhReader
{
    /// <summary>The SBDH namespace used by EESSI.</summary>
    public const string Namespace = "http://eessi.dgempl.ec.europa.eu/namespaces/sbdh";

    /// <summary>Extracts the header and the SED element, or explains what is missing.</summary>
    public static SbdhHeader? TryRead(XmlDocument document, out XmlElement? sedElement, out string? problem)
    {
        sedElement = null;
        var root = document.DocumentElement;
        if (root is null || root.LocalName != "StandardBusinessDocument" || root.NamespaceURI != Namespace)
        {
            problem = "The root element must be sbdh:StandardBusinessDocument.";
            return null;
        }
        var header = Child(root, "StandardBusinessDocumentHeader");
        if (header is null)
        {
            problem = "StandardBusinessDocumentHeader is missing.";
            return null;
        }
        for (var node = header.NextSibling; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element)
            {
                sedElement = element;
                break;
            }
        }
        if (sedElement is null)
        {
            problem = "The SED element after the header is missing.";
            return null;
        }

        var sender = Party(Child(header, "Sender"));
        var receivers = new List<SbdhParty>();
        foreach (XmlNode node in header.ChildNodes)
        {
            if (node is XmlElement { LocalName: "Receiver", NamespaceURI: Namespace } receiverElement && Party(receiverElement) is { } receiver)
            {
                receivers.Add(receiver);
            }
        }
        var identification = Child(header, "DocumentIdentification");
        var scope = Child(Child(header, "BusinessScope"), "Scope");
        var caseId = Text(Child(scope, "InstanceIdentifier"));
        var service = Text(Child(Child(scope, "BusinessService"), "BusinessServiceName"));
        var type = Text(Child(identification, "Type"));
        var typeVersion = Text(Child(identification, "TypeVersion"));
        var instance = Text(Child(identification, "InstanceIdentifier"));
        var created = Text(Child(identification, "CreationDateAndTime"));

        problem = (sender, receivers.Count, type, typeVersion, instance, created, caseId, service) switch
        {
            (null, _, _, _, _, _, _, _) => "Sender/Identifier or its ContactTypeIdentifier is missing.",
            (_, 0, _, _, _, _, _, _) => "No Receiver with an Identifier and ContactTypeIdentifier.",
            (_, _, null, _, _, _, _, _) => "DocumentIdentification/Type is missing.",
            (_, _, _, null, _, _, _, _) => "DocumentIdentification/TypeVersion is missing.",
            (_, _, _, _, null, _, _, _) => "DocumentIdentification/InstanceIdentifier is missing.",
            (_, _, _, _, _, null, _, _) => "DocumentIdentification/CreationDateAndTime is missing.",
            (_, _, _, _, _, _, null, _) => "BusinessScope/Scope/InstanceIdentifier (the case id) is missing.",
            (_, _, _, _, _, _, _, null) => "BusinessScope/Scope/BusinessService/BusinessServiceName is missing.",
            _ => null,
        };
        if (problem is not null)
        {
            return null;
        }
        if (instance!.Length > 64 || caseId!.Length > 64 || type!.Length > 16 || service!.Length > 64)
        {
            problem = "A header identifier is longer than allowed.";
            return null;
        }
        return new SbdhHeader
        {
            Sender = sender!,
            Receivers = receivers,
            Standard = Text(Child(identification, "Standard")) ?? string.Empty,
            SedType = type,
            TypeVersion = typeVersion!,
            InstanceIdentifier = instance,
            CreationDateAndTime = created!,
            CaseId = caseId,
            BusinessService = service,
        };
    }

    /// <summary>The SED payload of an envelope: the element after the SBDH header, or null.</summary>
    public static XmlElement? SedElement(XmlDocument document)
    {
        var seenHeader = false;
        for (var node = document.DocumentElement?.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element)
            {
                if (seenHeader)
                {
                    return element;
                }
                seenHeader = true;
            }
        }
        return null;
    }

    private static SbdhParty? Party(XmlElement? element)
    {
        var id = Text(Child(element, "Identifier"));
        var role = Text(Child(Child(element, "ContactInformation"), "ContactTypeIdentifier"));
        return id is null || role is null ? null : new SbdhParty(id, role);
    }

    private static XmlElement? Child(XmlElement? parent, string localName) => XmlWalk.Child(parent, localName, Namespace);

    private static string? Text(XmlElement? element)
    {
        var text = element?.InnerText.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }
}
