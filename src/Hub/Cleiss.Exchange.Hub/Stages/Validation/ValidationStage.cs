using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// validate: picks the pack from the SED namespace and version (fail closed), checks the SBDH type
/// matches the SED, and validates the whole document against the pack's XSDs (runs per message).
/// xsi:schemaLocation hints are ignored: only the pinned local schemas count.
/// </summary>
public sealed class ValidationStage(PackRegistry packs, IOptions<IntakeOptions> limits) : IStage
{
    private const int MaxFindings = 20;
    private readonly IntakeOptions _limits = limits.Value;

    public string Name => "validate";

    public string CompletedEvent => "validated";

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var header = context.Header ?? throw new InvalidOperationException("validate runs after ingest.");
        var document = context.Document ?? throw new InvalidOperationException("validate runs after ingest.");
        var sed = SedElement(document);
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

        var findings = SchemaFindings(context.Payload, pack);
        if (findings.Count > 0)
        {
            var error = new ExchangeError(ExchangeErrors.ValidateSchemaInvalid, Name, false,
                // The detail goes to the audit trail: locations only. Validator messages can quote field
                // values (names, dates of birth), so they travel only in the findings returned to the sender.
                $"{findings.Count}{(findings.Count >= MaxFindings ? "+" : string.Empty)} schema error(s); first at {findings[0].Location}.", findings);
            return ValueTask.FromResult(StageOutcome.Reject(error));
        }
        context.PackId = pack.Label;
        context.AddFact("pack", pack.Label);
        context.AddFact("sedType", header.SedType);
        return ValueTask.FromResult(StageOutcome.Continue);
    }

    private List<Finding> SchemaFindings(ReadOnlyMemory<byte> payload, ValidationPack pack)
    {
        var findings = new List<Finding>();
        var path = new List<string>();
        var settings = HardenedXml.ReaderSettings(_limits);
        settings.ValidationType = ValidationType.Schema;
        settings.Schemas = pack.Schemas;
        settings.ValidationFlags = XmlSchemaValidationFlags.AllowXmlAttributes;
        settings.ValidationEventHandler += (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error && findings.Count < MaxFindings)
            {
                var where = string.Create(CultureInfo.InvariantCulture, $"/{string.Join('/', path)} (line {e.Exception.LineNumber}, position {e.Exception.LinePosition})");
                findings.Add(new Finding(ExchangeErrors.ValidateSchemaInvalid, "error", where, e.Message));
            }
        };
        var bytes = payload;
        if (bytes.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        using var reader = XmlReader.Create(new StreamReader(new ReadOnlyMemoryStream(bytes), Encoding.UTF8, false), settings);
        while (reader.Read() && findings.Count < MaxFindings)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                while (path.Count > reader.Depth)
                {
                    path.RemoveAt(path.Count - 1);
                }
                path.Add(reader.LocalName);
                if (reader.IsEmptyElement)
                {
                    path.RemoveAt(path.Count - 1);
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement && path.Count > 0)
            {
                path.RemoveAt(path.Count - 1);
            }
        }
        return findings;
    }

    private ValueTask<StageOutcome> Reject(string code, string detail) =>
        ValueTask.FromResult(StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail)));

    private static XmlElement? SedElement(XmlDocument document)
    {
        var root = document.DocumentElement;
        var seenHeader = false;
        for (var node = root?.FirstChild; node is not null; node = node.NextSibling)
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

    private static string? AttributeOrNull(XmlElement element, string name) => element.HasAttribute(name) ? element.GetAttribute(name) : null;

    private static string Truncate(string? value) => value is null ? string.Empty : value.Length <= 80 ? value : value[..80] + "…";
}
