using System.Globalization;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Routing;
using static Cleiss.Exchange.Hub.Internal.XmlWalk;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// Rules beyond the schema (runs per message, after a successful schema validation): the sender is
/// the authenticated one and is competent for the BUC in its role at the document date; personal
/// identification numbers have their country's structure; dates make sense (no birth or death after
/// the document, periods in order, no period before birth, no death before birth); code values are
/// in their code lists. Rules name elements, never the values found.
/// </summary>
public sealed class BusinessRules(InstitutionDirectory directory, CodeLists? defaultCodeLists = null)
{
    private const int MaxFindings = 20;

    /// <summary>The rule-set version recorded in the audit trail, with the code lists used.</summary>
    public static string VersionWith(CodeLists codeLists) => $"rules-1 ({codeLists.Version})";

    /// <summary>Appends the findings of every rule the document breaks, with the pack's code lists (or the default ones).</summary>
    public void Check(ExchangeContext context, XmlElement sed, List<Finding> findings, CodeLists? packCodeLists = null)
    {
        var codeLists = packCodeLists ?? defaultCodeLists ?? throw new InvalidOperationException("No code lists: give the pack's or a default.");
        var header = context.Header!;
        var at = ValidationStage.Locate;
        if (context.AuthorizedSenders is { } allowed && !allowed.Contains(header.Sender.InstitutionId))
        {
            findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleSenderNotAuthenticated, NodePath.SbdhSender, header.Sender.InstitutionId));
        }
        var created = header.DocumentDate;
        if (directory.FindInstitution(header.Sender.InstitutionId) is { } sender && sender.FindCompetence(header.BucType, header.Sender.Role, created) is null)
        {
            findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleSenderNoCompetence, NodePath.SbdhSender, header.BucType));
        }

        var births = BirthsBySection(sed);
        // One walk over the SED in document order, without recursion or allocation.
        for (var node = Next(sed, sed); node is not null && findings.Count < MaxFindings; node = Next(node, sed))
        {
            if (node is not XmlElement element)
            {
                continue;
            }
            switch (element.LocalName)
            {
                case "dateBirth" or "dateDeath" when Date(element) is { } date && date > created:
                    findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleDateInFuture, at(element, context.SourcePointers), element.LocalName));
                    break;
                case "dateDeath" when Date(element) is { } death && BirthFor(element, births) is { } birth && death < birth:
                    findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleDateOrder, at(element, context.SourcePointers), element.LocalName));
                    break;
                case "startDate" when Date(element) is { } start:
                    var period = (XmlElement)element.ParentNode!;
                    if (BirthFor(element, births) is { } born && start < born)
                    {
                        findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleBirthAfterPeriod, at(period, context.SourcePointers), period.LocalName));
                    }
                    if (Child(period, "endDate") is { } to && Date(to) is { } end && start > end)
                    {
                        findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleDateOrder, at(period, context.SourcePointers), period.LocalName));
                    }
                    break;
                case "PersonalIdentificationNumber":
                    CheckPin(element, context, findings);
                    break;
                // A coded field holds its codes as "value" children: one code-list lookup per code, not per element.
                case "value" when element.ParentNode is XmlElement owner && codeLists.ForElement(owner.LocalName) is { } list
                    && !list.Codes.ContainsKey(element.InnerText):
                    findings.Add(FindingCatalogue.Error(FindingCatalogue.RuleCodeUnknown, at(element, context.SourcePointers), owner.LocalName));
                    break;
            }
        }
    }

    private static void CheckPin(XmlElement pin, ExchangeContext context, List<Finding> findings)
    {
        var country = Child(Child(pin, "country"), "value")?.InnerText;
        // The reference pack calls the number "identifier"; SEDs modelled on real CDM documents call it
        // "personalIdentificationNumber" (e.g. P2100, P10000).
        var identifierElement = Child(pin, "identifier") ?? Child(pin, "personalIdentificationNumber");
        var identifier = identifierElement?.InnerText;
        if (country is not null && identifier is not null && PersonalIdentificationNumbers.HasRule(country)
            && !PersonalIdentificationNumbers.IsValid(country, identifier))
        {
            findings.Add(FindingCatalogue.Error(FindingCatalogue.RulePinInvalid, ValidationStage.Locate(identifierElement, context.SourcePointers), country));
        }
    }

    /// <summary>
    /// For every section that contains a dateBirth, the first one in document order: computed once per
    /// document (births × depth) instead of searching subtrees for every date.
    /// </summary>
    private static Dictionary<XmlElement, DateOnly?> BirthsBySection(XmlElement sed)
    {
        var sections = new Dictionary<XmlElement, DateOnly?>();
        foreach (var birth in Descendants(sed, "dateBirth"))
        {
            var date = Date(birth);
            for (var ancestor = birth.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
            {
                sections.TryAdd(ancestor, date);
                if (ReferenceEquals(ancestor, sed))
                {
                    break; // never climb into the SBDH
                }
            }
        }
        return sections;
    }

    /// <summary>The date of birth of the person an element belongs to: the first dateBirth in the nearest enclosing section that has one.</summary>
    private static DateOnly? BirthFor(XmlElement element, Dictionary<XmlElement, DateOnly?> births)
    {
        for (var ancestor = element.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            if (births.TryGetValue(ancestor, out var birth))
            {
                return birth;
            }
        }
        return null;
    }

    private static DateOnly? Date(XmlElement element)
    {
        var text = element.InnerText;
        return text.Length >= 10 && DateOnly.TryParseExact(text.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }
}
