using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation.Mutations;

/// <summary>A valid sample broken in one way.</summary>
/// <param name="File">The valid sample it comes from.</param>
/// <param name="Name">The mutation.</param>
/// <param name="Target">XPath of the element the mutation touched (for failure messages).</param>
/// <param name="Location">XPath the expected finding must be located at.</param>
/// <param name="Expected">The finding code the mutant must be rejected with.</param>
/// <param name="Consequential">Other finding codes the one change may also cause; empty = the expected finding is the only one.</param>
/// <param name="Bytes">The mutant document.</param>
internal sealed record Mutant(string File, string Name, string Target, string Location, string Expected, IReadOnlyList<string> Consequential, byte[] Bytes);

/// <summary>
/// Generates, for a valid SBDH + SED sample, the variants that break one schema facet or business
/// rule each. Every mutation is driven by the pack's compiled schema (the SED element's DOM walked
/// alongside its content model and facets), not by per-SED knowledge; a mutation that finds no
/// target in a document does not apply to it.
/// </summary>
internal static class SedMutants
{
    private const string UnknownElement = "zzUnexpected";

    /// <summary>A mutation: changes a freshly parsed document in place and says what it broke, or returns null when it does not apply.</summary>
    private delegate Change? Mutation(XmlDocument document, List<SchemaNode> nodes, DateOnly created);

    private static readonly (string Name, Mutation Apply)[] Mutations =
    [
        ("remove-required-child-followed-by-a-sibling", RemoveRequiredChildFollowedByASibling),
        ("remove-last-required-child", RemoveLastRequiredChild),
        ("insert-unknown-first-child", InsertUnknownFirstChild),
        ("string-longer-than-max-length", StringLongerThanMaxLength),
        ("impossible-date", ImpossibleDate),
        ("value-breaking-the-pattern", ValueBreakingThePattern),
        ("value-not-in-enumeration", ValueNotInEnumeration),
        ("code-not-in-code-list", CodeNotInCodeList),
        ("period-end-before-start", PeriodEndBeforeStart),
        ("birth-after-creation", BirthAfterCreation),
        ("death-after-creation", DeathAfterCreation),
    ];

    private static readonly Lazy<SortedDictionary<string, List<Mutant>>> All = new(() =>
    {
        var all = new SortedDictionary<string, List<Mutant>>(StringComparer.Ordinal);
        foreach (var file in Samples())
        {
            all[file] = For(file);
        }
        return all;
    });

    /// <summary>The single outbound sample of each SED type: <c>valid/&lt;SED&gt;-outbound-1.xml</c>.</summary>
    public static IEnumerable<string> Samples() => Builders.ValidXmlSamples("outbound").Where(f => f.EndsWith("-outbound-1.xml", StringComparison.Ordinal));

    /// <summary>Every mutant of every sample, keyed by sample file.</summary>
    public static IReadOnlyDictionary<string, List<Mutant>> BySample => All.Value;

    public static Mutant Get(string file, string mutation) => All.Value[file].Single(m => m.Name == mutation);

    private static List<Mutant> For(string file)
    {
        var original = Builders.Sample(Path.Combine("valid", file));
        var mutants = new List<Mutant>();
        foreach (var (name, apply) in Mutations)
        {
            var document = Parse(original);
            var sed = SbdhReader.SedElement(document) ?? throw new InvalidOperationException($"{file} has no SED element.");
            var pack = Builders.Packs.Find(sed.NamespaceURI, sed.GetAttribute("sedGVer"), sed.GetAttribute("sedVer"))
                ?? throw new InvalidOperationException($"{file} has no pack.");
            var created = CreationDate(document);
            if (apply(document, SchemaWalk.Nodes(sed, pack), created) is { } change)
            {
                mutants.Add(new Mutant(file, name, change.Target, change.Location, change.Expected, change.Consequential, Encoding.UTF8.GetBytes(document.OuterXml)));
            }
        }
        return mutants;
    }

    private static XmlDocument Parse(byte[] bytes)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var stream = new MemoryStream(bytes);
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        document.Load(reader);
        return document;
    }

    /// <summary>The date part of the SBDH CreationDateAndTime, the date the business rules compare with.</summary>
    private static DateOnly CreationDate(XmlDocument document)
    {
        var created = document.GetElementsByTagName("CreationDateAndTime", Hub.Stages.Ingest.SbdhReader.Namespace)[0]!.InnerText;
        return DateOnly.ParseExact(created.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    // ---- schema mutations -------------------------------------------------------------------

    /// <summary>
    /// A required element (the only one of its name) that has a following element sibling is removed.
    /// The content model is a sequence, so after the element before it only the removed one (or a
    /// repetition of the one before) may come: .NET meets the following sibling first and reports
    /// "has invalid child element" → SCHEMA.UNEXPECTED_ELEMENT, not MISSING_ELEMENT.
    /// </summary>
    private static Change? RemoveRequiredChildFollowedByASibling(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        var node = nodes.Skip(1).FirstOrDefault(n => IsSoleRequired(n) && NextElement(n.Element) is not null);
        if (node is null)
        {
            return null;
        }
        var change = new Change(NodePath.Of(node.Element), NodePath.Of(NextElement(node.Element)!), FindingCatalogue.SchemaUnexpectedElement, []);
        node.Element.ParentNode!.RemoveChild(node.Element);
        return change;
    }

    /// <summary>
    /// A required element that is the last element child of its parent is removed. Nothing follows
    /// it, so .NET only notices at the parent's end tag: "has incomplete content" → SCHEMA.MISSING_ELEMENT.
    /// </summary>
    private static Change? RemoveLastRequiredChild(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        var node = nodes.Skip(1).FirstOrDefault(n => IsSoleRequired(n) && NextElement(n.Element) is null);
        if (node is null)
        {
            return null;
        }
        var change = new Change(NodePath.Of(node.Element), NodePath.Of(node.Element.ParentNode!), FindingCatalogue.SchemaMissingElement, []);
        node.Element.ParentNode!.RemoveChild(node.Element);
        return change;
    }

    private static Change? InsertUnknownFirstChild(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        var sed = nodes[0].Element;
        var unknown = document.CreateElement(UnknownElement);
        unknown.InnerText = "x";
        sed.PrependChild(unknown);
        return Change.At(unknown, FindingCatalogue.SchemaUnexpectedElement, []);
    }

    /// <summary>
    /// A string leaf with a maxLength facet gets maxLength + 1 characters. Free-text leaves (length
    /// facets only) come first; a patterned type never qualifies, since .NET checks the pattern first.
    /// </summary>
    private static Change? StringLongerThanMaxLength(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        foreach (var node in Leaves(nodes).OrderBy(n => SchemaWalk.Facets(n.SimpleType!).Any(f => f is XmlSchemaPatternFacet or XmlSchemaEnumerationFacet) ? 1 : 0))
        {
            var type = node.SimpleType!;
            if (!SchemaWalk.IsString(type) || SchemaWalk.Facets(type).OfType<XmlSchemaMaxLengthFacet>().FirstOrDefault() is not { } max)
            {
                continue;
            }
            var value = new string('x', int.Parse(max.Value!, CultureInfo.InvariantCulture) + 1);
            if (SchemaWalk.FirstFailingFacet(type, value) == typeof(XmlSchemaMaxLengthFacet))
            {
                node.Element.InnerText = value;
                return Change.At(node.Element, FindingCatalogue.SchemaTooLong, []);
            }
        }
        return null;
    }

    private static Change? ImpossibleDate(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        var node = Leaves(nodes).FirstOrDefault(n => SchemaWalk.IsDate(n.SimpleType!));
        if (node is null)
        {
            return null;
        }
        node.Element.InnerText = "2026-02-30";
        return Change.At(node.Element, FindingCatalogue.SchemaInvalidValue, []);
    }

    /// <summary>A pattern-restricted string leaf gets "!!", where the pattern (checked before the length facets) rejects it.</summary>
    private static Change? ValueBreakingThePattern(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        var node = Leaves(nodes).FirstOrDefault(n => SchemaWalk.IsString(n.SimpleType!)
            && SchemaWalk.Facets(n.SimpleType!).OfType<XmlSchemaPatternFacet>().Any()
            && SchemaWalk.FirstFailingFacet(n.SimpleType!, "!!") == typeof(XmlSchemaPatternFacet));
        if (node is null)
        {
            return null;
        }
        node.Element.InnerText = "!!";
        return Change.At(node.Element, FindingCatalogue.SchemaPattern, []);
    }

    /// <summary>An enumeration-restricted leaf (sex, country, currency…) gets a code that passes its pattern and length facets but is not enumerated.</summary>
    private static Change? ValueNotInEnumeration(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        foreach (var node in Leaves(nodes))
        {
            var type = node.SimpleType!;
            if (!SchemaWalk.IsString(type) || !SchemaWalk.Facets(type).OfType<XmlSchemaEnumerationFacet>().Any())
            {
                continue;
            }
            var code = new[] { "ZZ", "07", "99", "Z", "ZZZ" }.FirstOrDefault(c => SchemaWalk.FirstFailingFacet(type, c) == typeof(XmlSchemaEnumerationFacet));
            if (code is not null)
            {
                node.Element.InnerText = code;
                return Change.At(node.Element, FindingCatalogue.SchemaNotInList, []);
            }
        }
        return null;
    }

    // ---- business-rule mutations (the mutant stays schema-valid) ----------------------------

    /// <summary>An element governed by a code list gets, in its first value, a code its schema type accepts but the list does not hold.</summary>
    private static Change? CodeNotInCodeList(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (Builders.CodeLists.ForElement(nodes[i].Element.LocalName) is not { } list)
            {
                continue;
            }
            var value = nodes.Skip(i + 1).FirstOrDefault(n => n.Element.ParentNode == nodes[i].Element && n.Element.LocalName == "value" && n.SimpleType is not null);
            if (value is null)
            {
                continue;
            }
            var code = new[] { "ZZ", "9Z", "ZZZZ", "Z9", "999" }.FirstOrDefault(c => !list.Codes.ContainsKey(c) && SchemaWalk.FirstFailingFacet(value.SimpleType!, c) is null);
            if (code is not null)
            {
                value.Element.InnerText = code;
                return Change.At(value.Element, FindingCatalogue.RuleCodeUnknown, []);
            }
        }
        return null;
    }

    /// <summary>An element with startDate and endDate children (start before end) gets them swapped.</summary>
    private static Change? PeriodEndBeforeStart(XmlDocument document, List<SchemaNode> nodes, DateOnly created)
    {
        foreach (var node in nodes)
        {
            var start = Child(node.Element, "startDate");
            var end = Child(node.Element, "endDate");
            if (start is not null && end is not null && Date(start) is { } s && Date(end) is { } e && s < e)
            {
                (start.InnerText, end.InnerText) = (end.InnerText, start.InnerText);
                return Change.At(node.Element, FindingCatalogue.RuleDateOrder, []);
            }
        }
        return null;
    }

    /// <summary>
    /// dateBirth becomes the day after the document's creation date. Every period of that person now
    /// starts before birth and a dateDeath comes before it, so RULE.BIRTH_AFTER_PERIOD and
    /// RULE.DATE_ORDER may come along with RULE.DATE_IN_FUTURE.
    /// </summary>
    private static Change? BirthAfterCreation(XmlDocument document, List<SchemaNode> nodes, DateOnly created) =>
        DayAfterCreation(nodes, "dateBirth", created, [FindingCatalogue.RuleBirthAfterPeriod, FindingCatalogue.RuleDateOrder]);

    /// <summary>dateDeath becomes the day after the document's creation date: still after birth, so only RULE.DATE_IN_FUTURE.</summary>
    private static Change? DeathAfterCreation(XmlDocument document, List<SchemaNode> nodes, DateOnly created) =>
        DayAfterCreation(nodes, "dateDeath", created, []);

    private static Change? DayAfterCreation(List<SchemaNode> nodes, string name, DateOnly created, string[] consequential)
    {
        var node = nodes.FirstOrDefault(n => n.Element.LocalName == name && Date(n.Element) is not null);
        if (node is null)
        {
            return null;
        }
        node.Element.InnerText = created.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Change.At(node.Element, FindingCatalogue.RuleDateInFuture, consequential);
    }

    /// <summary>What a mutation changed: the element it touched, where the expected finding is located, and the codes.</summary>
    private sealed record Change(string Target, string Location, string Expected, string[] Consequential)
    {
        public static Change At(XmlElement element, string expected, string[] consequential)
        {
            var path = NodePath.Of(element);
            return new Change(path, path, expected, consequential);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static IEnumerable<SchemaNode> Leaves(List<SchemaNode> nodes) => nodes.Where(n => n.SimpleType is not null);

    /// <summary>Required by its content model and the only element of its name under its parent: removing it breaks minOccurs.</summary>
    private static bool IsSoleRequired(SchemaNode node)
    {
        if (!node.Required)
        {
            return false;
        }
        var count = 0;
        for (var sibling = node.Element.ParentNode!.FirstChild; sibling is not null; sibling = sibling.NextSibling)
        {
            if (sibling is XmlElement e && e.LocalName == node.Element.LocalName && e.NamespaceURI == node.Element.NamespaceURI)
            {
                count++;
            }
        }
        return count == 1;
    }

    private static XmlElement? NextElement(XmlElement element)
    {
        for (var node = element.NextSibling; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement next)
            {
                return next;
            }
        }
        return null;
    }

    private static XmlElement? Child(XmlElement parent, string localName)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element && element.LocalName == localName)
            {
                return element;
            }
        }
        return null;
    }

    private static DateOnly? Date(XmlElement element) =>
        DateOnly.TryParseExact(element.InnerText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
}
