using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation.Mutations;

/// <summary>An element of a SED document with the schema declaration it was validated against.</summary>
/// <param name="Element">The DOM element.</param>
/// <param name="Declaration">Its element declaration in the pack's compiled schema.</param>
/// <param name="Required">True when the content model needs at least one such element (minOccurs ≥ 1 all the way up its groups, no choice).</param>
internal sealed record SchemaNode(XmlElement Element, XmlSchemaElement Declaration, bool Required)
{
    public XmlSchemaSimpleType? SimpleType => Declaration.ElementSchemaType as XmlSchemaSimpleType;

    public XmlSchemaComplexType? ComplexType => Declaration.ElementSchemaType as XmlSchemaComplexType;
}

/// <summary>
/// Walks a SED element's DOM alongside the pack's compiled schema: the root is the global element
/// <c>{namespace}SED</c>, each child is matched to the element particle of its parent's content model.
/// </summary>
internal static class SchemaWalk
{
    /// <summary>Every element of the SED, in document order, with its declaration.</summary>
    public static List<SchemaNode> Nodes(XmlElement sed, ValidationPack pack)
    {
        var declared = (XmlSchemaElement?)pack.Schemas.GlobalElements[new XmlQualifiedName(sed.LocalName, sed.NamespaceURI)]
            ?? throw new InvalidOperationException($"{sed.LocalName} is not declared in {pack.Label}.");
        var nodes = new List<SchemaNode>();
        Visit(new SchemaNode(sed, declared, true), nodes);
        return nodes;
    }

    private static void Visit(SchemaNode node, List<SchemaNode> nodes)
    {
        nodes.Add(node);
        if (node.ComplexType is not { } type)
        {
            return;
        }
        var particles = Particles(type);
        for (var child = node.Element.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is not XmlElement element)
            {
                continue;
            }
            var match = particles.Find(p => p.Element.QualifiedName.Name == element.LocalName && p.Element.QualifiedName.Namespace == element.NamespaceURI);
            if (match.Element is null)
            {
                throw new InvalidOperationException($"{NodePath.Of(element)} has no declaration: the sample is not schema-valid.");
            }
            Visit(new SchemaNode(element, match.Element, match.Required), nodes);
        }
    }

    /// <summary>The element particles of a content model in declaration order, with whether each is required.</summary>
    public static List<(XmlSchemaElement Element, bool Required)> Particles(XmlSchemaComplexType type)
    {
        var result = new List<(XmlSchemaElement, bool)>();
        if (type.ContentTypeParticle is { } particle)
        {
            Flatten(particle, true, result);
        }
        return result;
    }

    private static void Flatten(XmlSchemaParticle particle, bool required, List<(XmlSchemaElement, bool)> result)
    {
        switch (particle)
        {
            case XmlSchemaElement element:
                result.Add((element, required && element.MinOccurs >= 1));
                break;
            case XmlSchemaGroupBase group:
                // In a choice of several branches no single branch is required.
                var inner = required && group.MinOccurs >= 1 && (group is not XmlSchemaChoice || group.Items.Count == 1);
                foreach (var item in group.Items)
                {
                    if (item is XmlSchemaParticle p)
                    {
                        Flatten(p, inner, result);
                    }
                }
                break;
        }
    }

    /// <summary>Every facet of a simple type and of the types it restricts.</summary>
    public static List<XmlSchemaFacet> Facets(XmlSchemaSimpleType type)
    {
        var facets = new List<XmlSchemaFacet>();
        for (XmlSchemaType? current = type; current is XmlSchemaSimpleType simple; current = current.BaseXmlSchemaType)
        {
            if (simple.Content is XmlSchemaSimpleTypeRestriction restriction)
            {
                facets.AddRange(restriction.Facets.OfType<XmlSchemaFacet>());
            }
        }
        return facets;
    }

    /// <summary>
    /// The first facet of a string type that rejects a value, in the order .NET checks them
    /// (Datatype_string.TryParseValue: the patterns are lexical facets and come first, then the
    /// length facets, then the enumeration), or null when the type accepts the value.
    /// </summary>
    public static Type? FirstFailingFacet(XmlSchemaSimpleType type, string value)
    {
        var facets = Facets(type);
        // Patterns of one restriction step are ORed, steps are ANDed; the pack has one pattern per step.
        foreach (var pattern in facets.OfType<XmlSchemaPatternFacet>())
        {
            if (!Regex.IsMatch(value, $"^(?:{pattern.Value})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                return typeof(XmlSchemaPatternFacet);
            }
        }
        foreach (var facet in facets)
        {
            var limit = int.TryParse(facet.Value, out var n) ? n : -1;
            var fails = facet switch
            {
                XmlSchemaLengthFacet => value.Length != limit,
                XmlSchemaMinLengthFacet => value.Length < limit,
                XmlSchemaMaxLengthFacet => value.Length > limit,
                _ => false,
            };
            if (fails)
            {
                return facet.GetType();
            }
        }
        var enumeration = facets.OfType<XmlSchemaEnumerationFacet>().Select(f => f.Value).ToList();
        return enumeration.Count > 0 && !enumeration.Contains(value) ? typeof(XmlSchemaEnumerationFacet) : null;
    }

    /// <summary>True when the type is (a restriction of) xs:string.</summary>
    public static bool IsString(XmlSchemaSimpleType type) => type.Datatype?.TypeCode == XmlTypeCode.String;

    /// <summary>True when the type is (a restriction of) xs:date.</summary>
    public static bool IsDate(XmlSchemaSimpleType type) => type.Datatype?.TypeCode == XmlTypeCode.Date;
}
