using System.Text;
using System.Xml;

namespace Cleiss.Exchange.Hub.Tests;

/// <summary>
/// Canonical comparison of documents: same elements (namespace + local name), attributes and text,
/// ignoring namespace prefixes, attribute order and whitespace between elements.
/// </summary>
internal static class XmlEquivalence
{
    public static string Canonical(XmlDocument document)
    {
        var text = new StringBuilder();
        Write(document.DocumentElement!, text, 0);
        return text.ToString();
    }

    private static void Write(XmlElement element, StringBuilder text, int depth)
    {
        text.Append(' ', depth * 2).Append('{').Append(element.NamespaceURI).Append('}').Append(element.LocalName);
        foreach (var attribute in element.Attributes.Cast<XmlAttribute>()
                     .Where(a => a.Prefix != "xmlns" && a.LocalName != "xmlns")
                     .OrderBy(a => a.NamespaceURI, StringComparer.Ordinal).ThenBy(a => a.LocalName, StringComparer.Ordinal))
        {
            text.Append(' ').Append(attribute.LocalName).Append("=\"").Append(attribute.Value).Append('"');
        }
        var hasElements = element.ChildNodes.Cast<XmlNode>().Any(n => n is XmlElement);
        if (!hasElements)
        {
            text.Append(" = \"").Append(element.InnerText).Append("\"\n");
            return;
        }
        text.Append('\n');
        foreach (XmlNode child in element.ChildNodes)
        {
            switch (child)
            {
                case XmlElement e:
                    Write(e, text, depth + 1);
                    break;
                case XmlText or XmlCDataSection when !string.IsNullOrWhiteSpace(child.Value):
                    text.Append(' ', depth * 2 + 2).Append("text \"").Append(child.Value).Append("\"\n");
                    break;
            }
        }
    }
}
