using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// validate (runs per message): picks the pack from the SED namespace and version (fail closed),
/// checks the SBDH type matches the SED, validates the parsed document against the pack's XSDs
/// (xsi:schemaLocation hints are ignored: only the pinned local schemas count), then applies the
/// business rules and the case rules. Each failure is a list of coded findings located by XPath (or
/// JSON Pointer for JSON input); the audited detail never quotes field values.
/// </summary>
public sealed class ValidationStage(PackRegistry packs, BusinessRules rules, CaseRules? cases = null) : IStage
{
    private const int MaxFindings = 20;

    public string Name => "validate";

    public string CompletedEvent => "validated";

    public async ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var header = context.Header ?? throw new InvalidOperationException("validate runs after ingest.");
        var document = context.Document ?? throw new InvalidOperationException("validate runs after ingest.");
        var sed = SbdhReader.SedElement(document);
        if (sed is null)
        {
            return Reject(ExchangeErrors.ValidateSbdhInvalid, "The SED element after the header is missing.");
        }
        var pack = packs.Find(sed.NamespaceURI, AttributeOrNull(sed, "sedGVer"), AttributeOrNull(sed, "sedVer"));
        if (pack is null)
        {
            return Reject(ExchangeErrors.ValidateNoPack,
                $"No validation pack for SED {sed.LocalName} in namespace '{Truncate(sed.NamespaceURI)}' with sedGVer '{Truncate(AttributeOrNull(sed, "sedGVer"))}' and sedVer '{Truncate(AttributeOrNull(sed, "sedVer"))}'.");
        }
        if (!string.Equals(header.SedType, sed.LocalName, StringComparison.Ordinal))
        {
            return Reject(ExchangeErrors.ValidateTypeMismatch, $"The header says {Truncate(header.SedType)} but the document holds {sed.LocalName}.");
        }
        context.PackId = pack.Label;

        // Validated while parsed, without error: no second pass. Otherwise (or if not pre-validated)
        // validate the tree, which locates every finding on its node.
        var findings = context.SchemaValidatedWith == pack.Label ? [] : CheckSchema(document, pack, context.SourcePointers);
        if (findings.Count > 0)
        {
            return Failed(ExchangeErrors.ValidateSchemaInvalid, "schema", findings);
        }
        rules.Check(context, sed, findings, pack.CodeLists);
        if (findings.Count > 0)
        {
            var code = findings.Exists(f => f.Code == FindingCatalogue.RuleSenderNotAuthenticated)
                ? ExchangeErrors.ValidateSenderNotAuthenticated
                : ExchangeErrors.ValidateRuleViolation;
            return Failed(code, "business rule", findings);
        }
        if (cases is not null)
        {
            var decision = await cases.EvaluateAsync(context, sed, cancellationToken, pack.Bucs);
            if (decision.Finding is { } caseFinding)
            {
                return Failed(ExchangeErrors.ValidateCaseViolation, "case rule", [caseFinding]);
            }
            context.CaseTransition = decision.Transition;
            context.AddFact("case", decision.Transition!.Summary);
        }
        context.AddFact("pack", pack.Label);
        context.AddFact("rules", BusinessRules.VersionWith(pack.CodeLists));
        context.AddFact("sedType", header.SedType);
        return StageOutcome.Continue;
    }

    private static List<Finding> CheckSchema(XmlDocument document, ValidationPack pack, IReadOnlyDictionary<string, string>? pointers)
    {
        var findings = new List<Finding>();
        document.Schemas = pack.Schemas;
        document.Validate((_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error && findings.Count < MaxFindings)
            {
                var node = (e.Exception as XmlSchemaValidationException)?.SourceObject as XmlNode;
                findings.Add(SchemaFindings.From(e.Exception, node, Locate(node, pointers)));
            }
        });
        return findings;
    }

    /// <summary>The XPath of a node, or the JSON Pointer the sender wrote when the input was JSON.</summary>
    internal static string Locate(XmlNode? node, IReadOnlyDictionary<string, string>? pointers)
    {
        if (node is null)
        {
            return "/";
        }
        var path = NodePath.Of(node);
        return pointers is not null && pointers.TryGetValue(path, out var pointer) ? pointer : path;
    }

    private StageOutcome Reject(string code, string detail) => StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail));

    private StageOutcome Failed(string code, string kind, List<Finding> findings)
    {
        // The detail goes to the audit trail: codes and locations only, never values.
        var more = findings.Count >= MaxFindings ? "+" : string.Empty;
        var detail = $"{findings.Count}{more} {kind} finding(s); first {findings[0].Code} at {findings[0].Location}.";
        return StageOutcome.Reject(new ExchangeError(code, Name, false, detail, findings));
    }

    private static string? AttributeOrNull(XmlElement element, string name) => element.HasAttribute(name) ? element.GetAttribute(name) : null;

    private static string Truncate(string? value) => value is null ? string.Empty : value.Length <= 80 ? value : value[..80] + "…";
}
