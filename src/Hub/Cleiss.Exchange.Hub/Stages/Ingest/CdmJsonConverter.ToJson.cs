using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>XML → JSON: the schema says which elements repeat (arrays) and which are complex (objects).</summary>
public sealed partial class CdmJsonConverter
{
    private JsonObject SedToJson(XmlElement sed)
    {
        var pack = packs.Find(sed.NamespaceURI, sed.GetAttribute("sedGVer"), sed.GetAttribute("sedVer"));
        var declared = pack is null ? null : (XmlSchemaElement?)pack.Schemas.GlobalElements[new XmlQualifiedName(sed.LocalName, sed.NamespaceURI)];
        return ElementToJson(sed, declared?.ElementSchemaType as XmlSchemaComplexType);
    }

    private static JsonObject ElementToJson(XmlElement element, XmlSchemaComplexType? type)
    {
        var result = new JsonObject();
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.Prefix != "xmlns" && attribute.LocalName != "xmlns" && attribute.NamespaceURI.Length == 0)
            {
                result[attribute.LocalName] = attribute.Value;
            }
        }
        var declared = DeclaredChildren(type);
        var groups = new Dictionary<string, List<XmlElement>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var node = element.FirstChild; node is not null; node = node.NextSibling)
        {
            switch (node)
            {
                case XmlElement child when child.NamespaceURI == Trust.BusinessSignature.DsigNamespace:
                    throw new EnvelopeException("A signed document cannot be projected to JSON without losing its signature; convert the unsigned document.");
                case XmlElement child:
                    if (!groups.TryGetValue(child.LocalName, out var list))
                    {
                        groups[child.LocalName] = list = [];
                        order.Add(child.LocalName);
                    }
                    list.Add(child);
                    break;
                case XmlText or XmlCDataSection when !string.IsNullOrWhiteSpace(node.Value):
                    throw new EnvelopeException($"'{element.LocalName}' mixes text and elements, which JSON cannot carry.");
            }
        }
        foreach (var name in order)
        {
            var items = groups[name];
            var schema = declared.Find(d => d.Element.QualifiedName.Name == name);
            var childType = schema.Element?.ElementSchemaType as XmlSchemaComplexType;
            // CDM-native JSON writes code values as {"value": [..]} even where one value is allowed.
            var repeats = name == "value" || (schema.Element is not null ? schema.Repeats : items.Count > 1);
            if (repeats)
            {
                var array = new JsonArray();
                foreach (var item in items)
                {
                    array.Add(ValueToJson(item, childType));
                }
                result[name] = array;
            }
            else if (items.Count == 1)
            {
                result[name] = ValueToJson(items[0], childType);
            }
            else
            {
                throw new EnvelopeException($"'{name}' occurs {items.Count} times where the schema allows one.");
            }
        }
        return result;
    }

    private static JsonNode ValueToJson(XmlElement element, XmlSchemaComplexType? type)
    {
        var complex = type is not null && type.ContentType != XmlSchemaContentType.TextOnly;
        return complex || HasElementChildren(element) ? ElementToJson(element, type) : JsonValue.Create(element.InnerText);
    }

    private static JsonObject HeaderToJson(SbdhHeader header)
    {
        var receivers = new JsonArray();
        foreach (var receiver in header.Receivers)
        {
            receivers.Add(new JsonObject { ["identifier"] = receiver.InstitutionId, ["role"] = receiver.Role });
        }
        return new JsonObject
        {
            ["sender"] = new JsonObject { ["identifier"] = header.Sender.InstitutionId, ["role"] = header.Sender.Role },
            ["receivers"] = receivers,
            ["documentIdentification"] = new JsonObject
            {
                ["standard"] = header.Standard,
                ["typeVersion"] = header.TypeVersion,
                ["instanceIdentifier"] = header.InstanceIdentifier,
                ["type"] = header.SedType,
                ["creationDateAndTime"] = header.CreationDateAndTime,
            },
            ["businessScope"] = new JsonObject { ["caseId"] = header.CaseId, ["businessServiceName"] = header.BusinessService },
        };
    }

    /// <summary>The envelope carries the routing facts only: refuse headers that hold more.</summary>
    private static void CheckHeaderIsRepresentable(XmlElement root)
    {
        var scopes = Internal.XmlWalk.Descendants(root, "Scope", SbdhReader.Namespace);
        var types = Internal.XmlWalk.Descendants(root, "Type", SbdhReader.Namespace);
        var identifiers = Internal.XmlWalk.Descendants(root, "Identifier", SbdhReader.Namespace);
        if (scopes.Count != 1)
        {
            throw new EnvelopeException("The header has several business scopes; the JSON envelope carries one.");
        }
        foreach (XmlElement type in types)
        {
            if (type.ParentNode?.LocalName == "Scope" && type.InnerText != "CaseContext")
            {
                throw new EnvelopeException("The business scope is not a CaseContext; the JSON envelope carries case contexts only.");
            }
        }
        foreach (XmlElement identifier in identifiers)
        {
            if (identifier.ParentNode?.LocalName == "Scope" && identifier.InnerText != "CaseID")
            {
                throw new EnvelopeException("The business scope identifier is not CaseID.");
            }
        }
    }

    private static bool HasElementChildren(XmlElement element)
    {
        for (var node = element.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement)
            {
                return true;
            }
        }
        return element.HasAttributes;
    }
}
