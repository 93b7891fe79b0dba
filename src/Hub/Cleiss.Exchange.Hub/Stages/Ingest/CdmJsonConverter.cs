using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>XML produced from JSON, with the JSON Pointer of every element keyed by the element's XPath.</summary>
public sealed record CdmXml(byte[] Bytes, IReadOnlyDictionary<string, string> Pointers);

/// <summary>
/// Converts between the canonical SBDH + SED XML and its JSON projection in the RINA-CPI
/// "CDM-native" style, driven by the validation pack's schema rather than by per-SED code:
/// element names are keys, every scalar is a string, an element the schema lets repeat is an array,
/// attributes the schema declares (sedPackage, sedGVer, sedVer) are string members, and children
/// are written in the schema's order whatever the key order. Two JSON shapes are read: the intake
/// envelope <c>{"sbdh": {...}, "sed": {"A001": {...}}}</c> (docs/api.md) and a bare SED
/// <c>{"A001": {...}}</c>. The mapping is lossless both ways for documents without a signature.
/// </summary>
public sealed partial class CdmJsonConverter(PackRegistry packs)
{
    private const string SedPrefix = "sed";

    private static readonly JsonDocumentOptions Strict = new()
    {
        MaxDepth = 64,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    private static readonly XmlWriterSettings Canonical = new()
    {
        Encoding = new UTF8Encoding(false),
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        // Carriage returns in values survive the trip (a reader normalises literal ones away).
        NewLineHandling = NewLineHandling.Entitize,
        OmitXmlDeclaration = false,
    };

    /// <summary>Converts JSON to XML, or returns the error (INGEST.MALFORMED_JSON or VALIDATE.NO_PACK).</summary>
    public CdmXml? TryToXml(ReadOnlyMemory<byte> json, out ExchangeError? error)
    {
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Strict);
        }
        catch (JsonException ex)
        {
            error = Malformed($"Not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}.");
            return null;
        }
        using (document)
        {
            try
            {
                return ToXml(document.RootElement, out error);
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

    /// <summary>Converts an SBDH + SED document (or a bare SED) to JSON, or says why it cannot.</summary>
    public JsonObject? TryToJson(XmlDocument document, out string? problem)
    {
        problem = null;
        var root = document.DocumentElement;
        if (root is null)
        {
            problem = "The document is empty.";
            return null;
        }
        try
        {
            if (root.NamespaceURI == SbdhReader.Namespace)
            {
                var header = SbdhReader.TryRead(document, out var sed, out var headerProblem)
                    ?? throw new EnvelopeException(headerProblem!);
                CheckHeaderIsRepresentable(root);
                return new JsonObject
                {
                    ["sbdh"] = HeaderToJson(header),
                    ["sed"] = new JsonObject { [sed!.LocalName] = SedToJson(sed) },
                };
            }
            return new JsonObject { [root.LocalName] = SedToJson(root) };
        }
        catch (EnvelopeException ex)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>Serialises a document the way the converter writes XML (the canonical form).</summary>
    public static byte[] Serialize(XmlDocument document)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Canonical))
        {
            document.Save(writer);
        }
        return buffer.ToArray();
    }

    // ---- JSON → XML -------------------------------------------------------------------------

    private CdmXml? ToXml(JsonElement root, out ExchangeError? error)
    {
        error = null;
        RequireObject(root, "The document");
        var xml = new XmlDocument();
        var pointers = new Dictionary<XmlNode, string>();
        XmlNode parent = xml;
        JsonElement sedWrapper;
        string sedPointer;
        if (root.TryGetProperty("sbdh", out var sbdh))
        {
            ExpectOnly(root, "The envelope", "sbdh", "sed");
            sedWrapper = Property(root, "sed");
            sedPointer = "/sed";
            parent = WriteHeader(xml, sbdh);
        }
        else
        {
            if (root.TryGetProperty("sed", out _))
            {
                throw new EnvelopeException("'sbdh' is missing: the envelope needs both 'sbdh' and 'sed'.");
            }
            sedWrapper = root;
            sedPointer = string.Empty;
        }
        RequireObject(sedWrapper, "sed");
        var sedProperties = sedWrapper.EnumerateObject().ToList();
        if (sedProperties.Count != 1)
        {
            throw new EnvelopeException("Exactly one SED is expected: an object with the SED type as its only member.");
        }
        var sedType = sedProperties[0].Name;
        var sed = sedProperties[0].Value;
        RequireObject(sed, sedType);
        var pack = PackFor(sedType, sed);
        if (pack is null)
        {
            var gver = sed.TryGetProperty("sedGVer", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
            var ver = sed.TryGetProperty("sedVer", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            error = new ExchangeError(ExchangeErrors.ValidateNoPack, "accept", false,
                $"No validation pack for SED {Short(sedType)} with sedGVer '{Short(gver)}' and sedVer '{Short(ver)}'.");
            return null;
        }
        if (!IsXmlName(sedType))
        {
            throw new EnvelopeException("The SED type is not a valid element name.");
        }
        var sedNamespace = pack.NamespacePrefix + sedType;
        var declared = (XmlSchemaElement?)pack.Schemas.GlobalElements[new XmlQualifiedName(sedType, sedNamespace)];
        var sedElement = (XmlElement)parent.AppendChild(xml.CreateElement(SedPrefix, sedType, sedNamespace))!;
        var pointer = $"{sedPointer}/{Escape(sedType)}";
        pointers[sedElement] = pointer;
        WriteContent(sedElement, sed, declared?.ElementSchemaType as XmlSchemaComplexType, pointer, pointers);

        var byPath = new Dictionary<string, string>(pointers.Count, StringComparer.Ordinal);
        foreach (var (node, jsonPointer) in pointers)
        {
            byPath[NodePath.Of(node)] = jsonPointer;
        }
        return new CdmXml(Serialize(xml), byPath);
    }

    private ValidationPack? PackFor(string sedType, JsonElement sed)
    {
        var gver = sed.TryGetProperty("sedGVer", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        var ver = sed.TryGetProperty("sedVer", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        foreach (var candidate in packs.Packs)
        {
            // The pack that XML validation would pick for this namespace (an official pack wins over a reference one).
            if (candidate.SedGVer == gver && candidate.SedVer == ver && candidate.SedTypes.Contains(sedType)
                && packs.Find(candidate.NamespacePrefix + sedType, gver, ver) is { } registered)
            {
                return registered;
            }
        }
        return null;
    }

    private static XmlElement WriteHeader(XmlDocument xml, JsonElement sbdh)
    {
        ExpectOnly(sbdh, "sbdh", "sender", "receivers", "documentIdentification", "businessScope");
        var ns = SbdhReader.Namespace;
        var envelope = (XmlElement)xml.AppendChild(xml.CreateElement("sbdh", "StandardBusinessDocument", ns))!;
        var header = Add(envelope, "StandardBusinessDocumentHeader");
        AddText(header, "HeaderVersion", "1.0");
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
        var docId = Add(header, "DocumentIdentification");
        AddText(docId, "Standard", String(identification, "standard"));
        AddText(docId, "TypeVersion", String(identification, "typeVersion"));
        AddText(docId, "InstanceIdentifier", String(identification, "instanceIdentifier"));
        AddText(docId, "Type", String(identification, "type"));
        AddText(docId, "CreationDateAndTime", String(identification, "creationDateAndTime"));
        var scopeJson = Property(sbdh, "businessScope");
        ExpectOnly(scopeJson, "sbdh.businessScope", "caseId", "businessServiceName");
        var scope = Add(Add(header, "BusinessScope"), "Scope");
        AddText(scope, "Type", "CaseContext");
        AddText(scope, "InstanceIdentifier", String(scopeJson, "caseId"));
        AddText(scope, "Identifier", "CaseID");
        AddText(Add(scope, "BusinessService"), "BusinessServiceName", String(scopeJson, "businessServiceName"));
        return envelope;
    }

    /// <summary>Writes an object's members as attributes and child elements, in schema order.</summary>
    private static void WriteContent(XmlElement element, JsonElement json, XmlSchemaComplexType? type, string pointer, Dictionary<XmlNode, string> pointers)
    {
        var attributes = DeclaredAttributes(type);
        var order = DeclaredChildren(type);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in json.EnumerateObject())
        {
            if (attributes.Contains(member.Name))
            {
                var attributePointer = $"{pointer}/{Escape(member.Name)}";
                element.SetAttribute(member.Name, Scalar(member.Value, attributePointer));
                pointers[element.GetAttributeNode(member.Name)!] = attributePointer;
                written.Add(member.Name);
            }
        }
        foreach (var (declared, _) in order)
        {
            var name = declared.QualifiedName.Name;
            if (!written.Contains(name) && json.TryGetProperty(name, out var value))
            {
                WriteMember(element, name, value, declared.ElementSchemaType as XmlSchemaComplexType, $"{pointer}/{Escape(name)}", pointers);
                written.Add(name);
            }
        }
        // Members the schema does not know are kept, at the end, so that validation names them.
        foreach (var member in json.EnumerateObject())
        {
            if (!written.Contains(member.Name))
            {
                WriteMember(element, member.Name, member.Value, null, $"{pointer}/{Escape(member.Name)}", pointers);
            }
        }
    }

    private static void WriteMember(XmlElement parent, string name, JsonElement value, XmlSchemaComplexType? type, string pointer, Dictionary<XmlNode, string> pointers)
    {
        if (!IsXmlName(name))
        {
            throw new EnvelopeException($"'{Short(pointer)}' is not a valid element name.");
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                WriteSingle(parent, name, item, type, $"{pointer}/{i++}", pointers);
            }
            return;
        }
        WriteSingle(parent, name, value, type, pointer, pointers);
    }

    private static void WriteSingle(XmlElement parent, string name, JsonElement value, XmlSchemaComplexType? type, string pointer, Dictionary<XmlNode, string> pointers)
    {
        var child = (XmlElement)parent.AppendChild(parent.OwnerDocument.CreateElement(name))!;
        pointers[child] = pointer;
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteContent(child, value, type, pointer, pointers);
                break;
            case JsonValueKind.Array:
                throw new EnvelopeException($"'{Short(pointer)}': arrays of arrays are not allowed.");
            default:
                child.InnerText = Scalar(value, pointer);
                break;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static HashSet<string> DeclaredAttributes(XmlSchemaComplexType? type)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (type is not null)
        {
            foreach (XmlSchemaAttribute attribute in type.AttributeUses.Values)
            {
                names.Add(attribute.QualifiedName.Name);
            }
        }
        return names;
    }

    private static List<(XmlSchemaElement Element, bool Repeats)> DeclaredChildren(XmlSchemaComplexType? type)
    {
        var order = new List<(XmlSchemaElement Element, bool Repeats)>();
        if (type?.ContentTypeParticle is { } particle)
        {
            Flatten(particle, order, 1);
        }
        return order;
    }

    /// <summary>Element particles in declaration order; an element inside a repeating group repeats.</summary>
    private static void Flatten(XmlSchemaParticle particle, List<(XmlSchemaElement Element, bool Repeats)> order, decimal outerMax)
    {
        switch (particle)
        {
            case XmlSchemaElement element:
                order.Add((element, element.MaxOccurs > 1 || outerMax > 1));
                break;
            case XmlSchemaGroupBase group:
                foreach (var item in group.Items)
                {
                    if (item is XmlSchemaParticle p)
                    {
                        Flatten(p, order, Math.Max(outerMax, group.MaxOccurs));
                    }
                }
                break;
        }
    }

    private static string Scalar(JsonElement value, string pointer) => value.ValueKind == JsonValueKind.String
        ? value.GetString()!
        : throw new EnvelopeException($"'{Short(pointer)}' must be a string (every scalar is a string in CDM JSON).");

    private static void AddParty(XmlElement header, string name, JsonElement party)
    {
        ExpectOnly(party, $"sbdh {name}", "identifier", "role");
        var element = Add(header, name);
        var identifier = AddText(element, "Identifier", String(party, "identifier"));
        identifier.SetAttribute("Authority", "urn:eu:europa:ec:dgempl:eessi:ir");
        AddText(Add(element, "ContactInformation"), "ContactTypeIdentifier", String(party, "role"));
    }

    private static XmlElement Add(XmlNode parent, string name) =>
        (XmlElement)parent.AppendChild(parent.OwnerDocument!.CreateElement("sbdh", name, SbdhReader.Namespace))!;

    private static XmlElement AddText(XmlNode parent, string name, string text)
    {
        var element = Add(parent, name);
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

    /// <summary>JSON Pointer escaping (RFC 6901).</summary>
    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Short(string? value) => value is null ? string.Empty : value.Length <= 64 ? value : value[..64] + "…";

    private static ExchangeError Malformed(string detail) => new(ExchangeErrors.IngestMalformedJson, "accept", false, detail);

    private sealed class EnvelopeException(string message) : Exception(message);
}
