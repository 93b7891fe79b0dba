using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>
/// Turns the JSON intake envelope (<c>{"sbdh": {...}, "sed": {"A001": {...}}}</c>, see
/// docs/api.md, "JSON envelope") into the canonical SBDH + SED XML. The SED part follows the CDM-native
/// convention (keys are element names, every scalar a string, arrays repeat an element, keys the
/// schema declares as attributes become attributes) and children are written in the order the
/// pack's schema declares them, so key order in the JSON does not matter.
/// </summary>
public sealed class JsonEnvelopeConverter(PackRegistry packs)
{
    private static readonly JsonDocumentOptions Strict = new()
    {
        MaxDepth = 64,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Converts, or returns the error (INGEST.MALFORMED_JSON or VALIDATE.NO_PACK).</summary>
    public byte[]? TryConvert(ReadOnlyMemory<byte> json, out ExchangeError? error)
    {
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Strict);
        }
        catch (JsonException ex)
        {
            error = Malformed($"Not valid JSON: {ex.Message}");
            return null;
        }
        using (document)
        {
            try
            {
                return Convert(document.RootElement, out error);
            }
            catch (EnvelopeException ex)
            {
                error = Malformed(ex.Message);
                return null;
            }
            catch (ArgumentException)
            {
                // XmlWriter refuses characters XML cannot carry (control characters, lone surrogates).
                error = Malformed("A value holds a character that XML cannot carry.");
                return null;
            }
        }
    }

    private byte[]? Convert(JsonElement root, out ExchangeError? error)
    {
        error = null;
        RequireObject(root, "The envelope");
        ExpectOnly(root, "The envelope", "sbdh", "sed");
        var sbdh = Property(root, "sbdh");
        ExpectOnly(sbdh, "sbdh", "sender", "receivers", "documentIdentification", "businessScope");
        var sedWrapper = Property(root, "sed");
        RequireObject(sedWrapper, "sed");
        var sedProperties = sedWrapper.EnumerateObject().ToList();
        if (sedProperties.Count != 1)
        {
            throw new EnvelopeException("'sed' must have exactly one property: the SED type.");
        }
        var sedType = sedProperties[0].Name;
        var sed = sedProperties[0].Value;
        RequireObject(sed, sedType);
        var gver = sed.TryGetProperty("sedGVer", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        var ver = sed.TryGetProperty("sedVer", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        ValidationPack? pack = null;
        foreach (var candidate in packs.Packs)
        {
            if (candidate.SedGVer == gver && candidate.SedVer == ver && candidate.SedTypes.Contains(sedType))
            {
                pack = candidate;
            }
        }
        if (pack is null)
        {
            error = new ExchangeError(ExchangeErrors.ValidateNoPack, "accept", false,
                $"No validation pack for SED {Short(sedType)} with sedGVer '{Short(gver)}' and sedVer '{Short(ver)}'.");
            return null;
        }

        var xml = new XmlDocument();
        var sbdhNs = SbdhReader.Namespace;
        var envelope = xml.AppendChild(xml.CreateElement("sbdh", "StandardBusinessDocument", sbdhNs))!;
        var header = Add(envelope, "StandardBusinessDocumentHeader", sbdhNs);
        AddText(header, "HeaderVersion", sbdhNs, "1.0");
        AddParty(header, "Sender", Property(sbdh, "sender"));
        var receivers = Property(sbdh, "receivers");
        if (receivers.ValueKind != JsonValueKind.Array || receivers.GetArrayLength() == 0)
        {
            throw new EnvelopeException("sbdh.receivers must be a non-empty array.");
        }
        foreach (var receiver in receivers.EnumerateArray())
        {
            AddParty(header, "Receiver", receiver);
        }
        var identification = Property(sbdh, "documentIdentification");
        ExpectOnly(identification, "sbdh.documentIdentification", "standard", "typeVersion", "instanceIdentifier", "type", "creationDateAndTime");
        var docId = Add(header, "DocumentIdentification", sbdhNs);
        AddText(docId, "Standard", sbdhNs, String(identification, "standard"));
        AddText(docId, "TypeVersion", sbdhNs, String(identification, "typeVersion"));
        AddText(docId, "InstanceIdentifier", sbdhNs, String(identification, "instanceIdentifier"));
        AddText(docId, "Type", sbdhNs, String(identification, "type"));
        AddText(docId, "CreationDateAndTime", sbdhNs, String(identification, "creationDateAndTime"));
        var scopeJson = Property(sbdh, "businessScope");
        ExpectOnly(scopeJson, "sbdh.businessScope", "caseId", "businessServiceName");
        var scope = Add(Add(header, "BusinessScope", sbdhNs), "Scope", sbdhNs);
        AddText(scope, "Type", sbdhNs, "CaseContext");
        AddText(scope, "InstanceIdentifier", sbdhNs, String(scopeJson, "caseId"));
        AddText(scope, "Identifier", sbdhNs, "CaseID");
        AddText(Add(scope, "BusinessService", sbdhNs), "BusinessServiceName", sbdhNs, String(scopeJson, "businessServiceName"));

        var sedNamespace = pack.NamespacePrefix + sedType;
        var rootElement = (XmlSchemaElement?)pack.Schemas.GlobalElements[new XmlQualifiedName(sedType, sedNamespace)];
        var sedElement = (XmlElement)envelope.AppendChild(xml.CreateElement(sedType, sedNamespace))!;
        WriteContent(sedElement, sed, rootElement?.ElementSchemaType as XmlSchemaComplexType, sedType);

        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, OmitXmlDeclaration = false };
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            xml.Save(writer);
        }
        return buffer.ToArray();
    }

    /// <summary>Writes an object's members as attributes and child elements, in schema order.</summary>
    private static void WriteContent(XmlElement element, JsonElement json, XmlSchemaComplexType? type, string path)
    {
        var attributes = new HashSet<string>(StringComparer.Ordinal);
        if (type is not null)
        {
            foreach (XmlSchemaAttribute attribute in type.AttributeUses.Values)
            {
                attributes.Add(attribute.QualifiedName.Name);
            }
        }
        var order = new List<XmlSchemaElement>();
        if (type?.ContentTypeParticle is { } particle)
        {
            Flatten(particle, order);
        }
        var members = json.EnumerateObject().ToList();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (attributes.Contains(member.Name))
            {
                element.SetAttribute(member.Name, Scalar(member.Value, $"{path}.{member.Name}"));
                written.Add(member.Name);
            }
        }
        foreach (var declared in order)
        {
            var name = declared.QualifiedName.Name;
            if (written.Contains(name) || !json.TryGetProperty(name, out var value))
            {
                continue;
            }
            WriteMember(element, name, value, declared.ElementSchemaType as XmlSchemaComplexType, $"{path}.{name}");
            written.Add(name);
        }
        // Members the schema does not know are kept, at the end, so that validation names them.
        foreach (var member in members)
        {
            if (!written.Contains(member.Name))
            {
                WriteMember(element, member.Name, member.Value, null, $"{path}.{member.Name}");
            }
        }
    }

    private static void WriteMember(XmlElement parent, string name, JsonElement value, XmlSchemaComplexType? type, string path)
    {
        if (!IsXmlName(name))
        {
            throw new EnvelopeException($"'{Short(path)}' is not a valid element name.");
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                WriteSingle(parent, name, item, type, $"{path}[{i++}]");
            }
            return;
        }
        WriteSingle(parent, name, value, type, path);
    }

    private static void WriteSingle(XmlElement parent, string name, JsonElement value, XmlSchemaComplexType? type, string path)
    {
        var child = (XmlElement)parent.AppendChild(parent.OwnerDocument.CreateElement(name))!;
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteContent(child, value, type, path);
                break;
            case JsonValueKind.Array:
                throw new EnvelopeException($"'{Short(path)}': arrays of arrays are not allowed.");
            default:
                child.InnerText = Scalar(value, path);
                break;
        }
    }

    private static void Flatten(XmlSchemaParticle particle, List<XmlSchemaElement> order)
    {
        switch (particle)
        {
            case XmlSchemaElement element:
                order.Add(element);
                break;
            case XmlSchemaGroupBase group:
                foreach (var item in group.Items)
                {
                    if (item is XmlSchemaParticle p)
                    {
                        Flatten(p, order);
                    }
                }
                break;
        }
    }

    private static string Scalar(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
        ? value.GetString()!
        : throw new EnvelopeException($"'{Short(path)}' must be a string (every scalar is a string in CDM JSON).");

    private static void AddParty(XmlNode header, string name, JsonElement party)
    {
        ExpectOnly(party, $"sbdh {name}", "identifier", "role");
        var ns = SbdhReader.Namespace;
        var element = Add(header, name, ns);
        var identifier = AddText(element, "Identifier", ns, String(party, "identifier"));
        identifier.SetAttribute("Authority", "urn:eu:europa:ec:dgempl:eessi:ir");
        AddText(Add(element, "ContactInformation", ns), "ContactTypeIdentifier", ns, String(party, "role"));
    }

    private static XmlElement Add(XmlNode parent, string name, string ns) =>
        (XmlElement)parent.AppendChild(parent.OwnerDocument!.CreateElement("sbdh", name, ns))!;

    private static XmlElement AddText(XmlNode parent, string name, string ns, string text)
    {
        var element = Add(parent, name, ns);
        element.InnerText = text;
        return element;
    }

    private static JsonElement Property(JsonElement parent, string name)
    {
        RequireObject(parent, "The envelope");
        return parent.TryGetProperty(name, out var value) ? value : throw new EnvelopeException($"'{name}' is missing.");
    }

    private static string String(JsonElement parent, string name) => Scalar(Property(parent, name), name);

    private static void RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new EnvelopeException($"{Short(what)} must be a JSON object.");
        }
    }

    private static void ExpectOnly(JsonElement element, string what, params string[] names)
    {
        RequireObject(element, what);
        foreach (var member in element.EnumerateObject())
        {
            if (Array.IndexOf(names, member.Name) < 0)
            {
                throw new EnvelopeException($"{what} has an unknown member '{Short(member.Name)}'.");
            }
        }
    }

    private static bool IsXmlName(string name)
    {
        try
        {
            XmlConvert.VerifyNCName(name);
            return name.Length <= 128;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    private static string Short(string? value) => value is null ? string.Empty : value.Length <= 64 ? value : value[..64] + "…";

    private static ExchangeError Malformed(string detail) => new(ExchangeErrors.IngestMalformedJson, "accept", false, detail);

    private sealed class EnvelopeException(string message) : Exception(message);
}
