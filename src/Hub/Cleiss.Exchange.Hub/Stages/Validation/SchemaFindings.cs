using System.Xml;
using System.Xml.Schema;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// Turns a .NET schema validation error into a coded finding (runs per invalid message). The raw
/// validator text is only used to classify: it can quote field values, so it never leaves here.
/// </summary>
internal static class SchemaFindings
{
    public static Abstractions.Finding From(XmlSchemaException exception, XmlNode? node, string location)
    {
        // The validator quotes the offending value: take it out before classifying, or a sender could
        // choose the finding code by writing validator phrases into a field.
        var value = node switch
        {
            XmlAttribute attribute => attribute.Value,
            XmlElement element when !HasElementChildren(element) => element.InnerText,
            _ => null,
        };
        // Values shorter than any validator phrase cannot forge one; removing them would damage the message.
        var message = value is not { Length: >= 4 } ? exception.Message : exception.Message.Replace(value, string.Empty, StringComparison.Ordinal);
        var subject = node switch
        {
            XmlAttribute attribute => attribute.OwnerElement?.LocalName + "/@" + attribute.LocalName,
            XmlElement element => element.LocalName,
            _ => "document",
        };
        var code = Classify(message);
        if (code == FindingCatalogue.SchemaUnexpectedElement && Quoted(message, "invalid child element '") is { } child)
        {
            subject = child;
        }
        return FindingCatalogue.Error(code, location, subject);
    }

    private static bool HasElementChildren(XmlElement element)
    {
        for (var child = element.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is XmlElement)
            {
                return true;
            }
        }
        return false;
    }

    private static string Classify(string message)
    {
        if (message.Contains("has invalid child element", StringComparison.Ordinal) || message.Contains("element is not declared", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaUnexpectedElement;
        }
        if (message.Contains("has incomplete content", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaMissingElement;
        }
        if (message.Contains("attribute", StringComparison.OrdinalIgnoreCase) && !message.Contains("element is invalid", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaAttribute;
        }
        if (message.Contains("cannot contain text", StringComparison.Ordinal) || message.Contains("text only", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaUnexpectedText;
        }
        if (message.Contains("Pattern constraint failed", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaPattern;
        }
        if (message.Contains("Enumeration constraint failed", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaNotInList;
        }
        if (message.Contains("MaxLength", StringComparison.Ordinal) || message.Contains("greater than the Length", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaTooLong;
        }
        if (message.Contains("MinLength", StringComparison.Ordinal) || message.Contains("less than the Length", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaTooShort;
        }
        if (message.Contains("Inclusive", StringComparison.Ordinal) || message.Contains("Exclusive", StringComparison.Ordinal)
            || message.Contains("TotalDigits", StringComparison.Ordinal) || message.Contains("FractionDigits", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaOutOfRange;
        }
        if (message.Contains("is invalid according to its datatype", StringComparison.Ordinal) || message.Contains("is not a valid", StringComparison.Ordinal))
        {
            return FindingCatalogue.SchemaInvalidValue;
        }
        return FindingCatalogue.SchemaOther;
    }

    private static string? Quoted(string message, string after)
    {
        var start = message.IndexOf(after, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += after.Length;
        var end = message.IndexOf('\'', start);
        return end < 0 ? null : message[start..end];
    }
}
