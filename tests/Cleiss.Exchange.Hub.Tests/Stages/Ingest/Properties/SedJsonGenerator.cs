using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Schema;
using FsCheck;
using FsCheck.Fluent;

namespace Cleiss.Exchange.Hub.Tests.Stages.Ingest.Properties;

/// <summary>A generated bare SED in CDM JSON, <c>{"A001": {...}}</c>; printed as its JSON when a property fails.</summary>
internal sealed record SedJson(string SedType, JsonObject Json)
{
    public override string ToString() => Json.ToJsonString();
}

/// <summary>
/// Random CDM JSON documents shaped by a SED's schema: the generator walks the SED's complex type
/// (attributes, then the element particles in declaration order). A required child is always there,
/// an optional one half of the time; an element that may repeat (maxOccurs &gt; 1 or inside a repeating
/// group) is an array of 1–3 items, and so is every <c>value</c> (the converter always writes code
/// values as arrays); complex content is an object, simple content a string. Values are random
/// XML-safe text, not schema-valid values: the converter does not validate.
/// </summary>
internal static class SedJsonGenerator
{
    /// <summary>Deeper than this, optional children are left out (the pack's types are not recursive, but stay bounded anyway).</summary>
    private const int MaxDepth = 8;

    /// <summary>Pieces of text: letters, digits, spaces, accented and non-Latin letters, a pair of surrogates, and the characters XML and JSON escape.</summary>
    private static readonly string[] Pieces =
    [
        "a", "Z", "x", "0", "7", " ", "  ", "é", "É", "ü", "ñ", "ß", "ø", "Ω", "ж", "中", "😀",
        "&", "<", ">", "\"", "'", ";", "-", "/", ".", ",", "~", "\\", "]]>", "&amp;", "{", "}",
    ];

    private static readonly Gen<string> Text =
        Gen.Choose(0, 10).SelectMany(n => Gen.Elements(Pieces).ListOf(n)).Select(parts => string.Concat(parts));

    private static readonly Lazy<Gen<SedJson>> AnySed = new(() =>
    {
        var pack = Builders.Packs.Packs[0];
        var perType = pack.SedTypes.Order(StringComparer.Ordinal)
            .Select(sed => ForSed(sed, (XmlSchemaElement)pack.Schemas.GlobalElements[new XmlQualifiedName(sed, pack.NamespacePrefix + sed)]!, pack.SedGVer, pack.SedVer))
            .ToArray();
        return Gen.OneOf(perType);
    });

    /// <summary>A random SED of the reference pack.</summary>
    public static Arbitrary<SedJson> Documents() => AnySed.Value.ToArbitrary();

    private static Gen<SedJson> ForSed(string sedType, XmlSchemaElement declaration, string sedGVer, string sedVer)
    {
        var type = (XmlSchemaComplexType)declaration.ElementSchemaType!;
        return Object(type, 0, new Dictionary<string, string>(StringComparer.Ordinal) { ["sedGVer"] = sedGVer, ["sedVer"] = sedVer })
            .Select(body => new SedJson(sedType, new JsonObject { [sedType] = body }));
    }

    private static Gen<JsonNode> Object(XmlSchemaComplexType type, int depth, Dictionary<string, string>? fixedAttributes = null)
    {
        var members = new List<Gen<KeyValuePair<string, JsonNode?>>>();
        foreach (var attribute in type.AttributeUses.Values.Cast<XmlSchemaAttribute>().OrderBy(a => a.QualifiedName.Name, StringComparer.Ordinal))
        {
            var name = attribute.QualifiedName.Name;
            members.Add(fixedAttributes is not null && fixedAttributes.TryGetValue(name, out var fixedValue)
                ? Gen.Constant(fixedValue).Select(v => Member(name, JsonValue.Create(v)))
                : Text.Select(v => Member(name, JsonValue.Create(v))));
        }
        foreach (var (element, required, repeats) in Particles(type))
        {
            var name = element.QualifiedName.Name;
            if (!required && depth >= MaxDepth)
            {
                continue;
            }
            var one = element.ElementSchemaType is XmlSchemaComplexType { ContentType: not XmlSchemaContentType.TextOnly } complex
                ? Object(complex, depth + 1)
                : Text.Select(v => (JsonNode)JsonValue.Create(v));
            var value = repeats || name == "value"
                ? Gen.Choose(1, repeats ? 3 : 1).SelectMany(n => one.ListOf(n)).Select(items => (JsonNode)new JsonArray([.. items.Select(Detached)]))
                : one;
            var member = value.Select(v => Member(name, v));
            members.Add(required ? member : Gen.OneOf(member, Gen.Constant(Member(name, null))));
        }
        return Gen.CollectToList(members).Select(list =>
        {
            var result = new JsonObject();
            foreach (var (name, node) in list)
            {
                if (node is not null)
                {
                    result[name] = Detached(node);
                }
            }
            return (JsonNode)result;
        });
    }

    private static KeyValuePair<string, JsonNode?> Member(string name, JsonNode? value) => new(name, value);

    /// <summary>A node that has no parent yet (generated values are fresh, but never risk adding one node twice).</summary>
    private static JsonNode Detached(JsonNode? node) => node!.Parent is null ? node : node.DeepClone();

    /// <summary>Element particles in declaration order: required when minOccurs ≥ 1 all the way up (no choice), repeating as the converter sees it.</summary>
    private static List<(XmlSchemaElement Element, bool Required, bool Repeats)> Particles(XmlSchemaComplexType type)
    {
        var result = new List<(XmlSchemaElement, bool, bool)>();
        if (type.ContentTypeParticle is { } particle)
        {
            Flatten(particle, true, 1, result);
        }
        return result;
    }

    private static void Flatten(XmlSchemaParticle particle, bool required, decimal outerMax, List<(XmlSchemaElement, bool, bool)> result)
    {
        switch (particle)
        {
            case XmlSchemaElement element:
                result.Add((element, required && element.MinOccurs >= 1, element.MaxOccurs > 1 || outerMax > 1));
                break;
            case XmlSchemaGroupBase group:
                var inner = required && group.MinOccurs >= 1 && (group is not XmlSchemaChoice || group.Items.Count == 1);
                foreach (var item in group.Items)
                {
                    if (item is XmlSchemaParticle p)
                    {
                        Flatten(p, inner, Math.Max(outerMax, group.MaxOccurs), result);
                    }
                }
                break;
        }
    }
}
