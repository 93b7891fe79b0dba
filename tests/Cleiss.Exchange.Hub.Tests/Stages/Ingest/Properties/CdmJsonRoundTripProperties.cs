using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cleiss.Exchange.Hub.Tests.Stages.Ingest.Properties;

/// <summary>
/// Properties of the JSON ↔ XML mapping over random SEDs shaped by the pack's schemas. A failure
/// prints the counterexample (the JSON) and the seed; paste it as <c>[Property(Replay = "(seed,gamma)")]</c>
/// to replay the run.
/// </summary>
public sealed class CdmJsonRoundTripProperties
{
    private const int Runs = 200;

    private static readonly CdmJsonConverter Converter = new(Builders.Packs);

    [Property(MaxTest = Runs)]
    public Property Json_to_xml_to_json_gives_back_the_same_json() => Prop.ForAll(SedJsonGenerator.Documents(), document =>
    {
        var xml = ToXml(document);

        var back = ToJson(xml.Bytes);

        Assert.True(JsonNode.DeepEquals(document.Json, back), $"got back {back.ToJsonString()}");
    });

    [Property(MaxTest = Runs)]
    public Property Xml_to_json_to_xml_is_byte_identical_to_the_converter_output() => Prop.ForAll(SedJsonGenerator.Documents(), document =>
    {
        var first = ToXml(document).Bytes;

        var second = Converter.TryToXml(Encoding.UTF8.GetBytes(ToJson(first).ToJsonString()), out var error);

        Assert.Null(error);
        Assert.Equal(Encoding.UTF8.GetString(first), Encoding.UTF8.GetString(second!.Bytes));
    });

    [Property(MaxTest = Runs)]
    public Property Every_element_maps_to_a_json_pointer_that_resolves_to_the_value_that_produced_it() => Prop.ForAll(SedJsonGenerator.Documents(), document =>
    {
        var xml = ToXml(document);
        var elements = Load(xml.Bytes).SelectNodes("//*")!.Cast<XmlElement>().ToList();

        // One pointer per element and per attribute (sedPackage, sedGVer, sedVer).
        var attributes = elements.Sum(e => e.Attributes.Cast<XmlAttribute>().Count(a => a.NamespaceURI.Length == 0 && a.Prefix != "xmlns"));
        Assert.Equal(elements.Count + attributes, xml.Pointers.Count);
        foreach (var element in elements)
        {
            var path = NodePath.Of(element);
            Assert.True(xml.Pointers.TryGetValue(path, out var pointer), $"no pointer for {path}");
            var source = JsonPointer.Resolve(document.Json, pointer);
            switch (source)
            {
                case JsonObject members:
                    foreach (XmlAttribute attribute in element.Attributes)
                    {
                        if (attribute.NamespaceURI.Length == 0)
                        {
                            Assert.Equal(members[attribute.LocalName]?.GetValue<string>(), attribute.Value);
                        }
                    }
                    var childNames = element.ChildNodes.OfType<XmlElement>().Select(e => e.LocalName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
                    var memberNames = members.Select(m => m.Key).Where(k => !element.HasAttribute(k)).Order(StringComparer.Ordinal);
                    Assert.Equal(memberNames, childNames);
                    break;
                case JsonValue value:
                    Assert.False(element.HasChildNodes && element.ChildNodes.OfType<XmlElement>().Any(), $"{path} holds elements but comes from a string");
                    Assert.Equal(value.GetValue<string>(), element.InnerText);
                    break;
                default:
                    Assert.Fail($"{path} → {pointer} resolves to {source?.GetType().Name ?? "nothing"}");
                    break;
            }
        }
    });

    private static CdmXml ToXml(SedJson document)
    {
        var xml = Converter.TryToXml(Encoding.UTF8.GetBytes(document.Json.ToJsonString()), out var error);
        Assert.True(xml is not null, error?.Detail);
        return xml;
    }

    private static JsonObject ToJson(byte[] xml)
    {
        var json = Converter.TryToJson(Load(xml), out var problem);
        Assert.True(json is not null, problem);
        return json;
    }

    private static XmlDocument Load(byte[] bytes)
    {
        var document = HardenedXml.TryLoad(bytes, new IntakeOptions(), "test", out var error);
        Assert.True(document is not null, error?.Detail);
        return document;
    }
}

/// <summary>A minimal RFC 6901 JSON Pointer resolver.</summary>
internal static class JsonPointer
{
    public static JsonNode? Resolve(JsonNode root, string pointer)
    {
        if (pointer.Length == 0)
        {
            return root;
        }
        Assert.StartsWith("/", pointer, StringComparison.Ordinal);
        var current = root;
        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current switch
            {
                JsonObject obj => obj.TryGetPropertyValue(token, out var member) ? member : null,
                JsonArray array when IsIndex(token) && int.Parse(token, CultureInfo.InvariantCulture) < array.Count => array[int.Parse(token, CultureInfo.InvariantCulture)],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>RFC 6901 array index: "0" or digits without a leading zero.</summary>
    private static bool IsIndex(string token) => token == "0" || (token.Length is > 0 and < 10 && token[0] is >= '1' and <= '9' && token.All(char.IsAsciiDigit));
}
