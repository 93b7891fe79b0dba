using System.Text;
using System.Xml;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// XPaths for findings: <c>/sbdh:StandardBusinessDocument/sed:A001/InsuredPerson/PersonIdentification/dateBirth</c>.
/// The prefix <c>sbdh</c> is the SBDH namespace and <c>sed</c> the SED's namespace; unqualified children
/// have no prefix; a position <c>[n]</c> is added where an element has same-named siblings.
/// </summary>
public static class NodePath
{
    /// <summary>The SBDH sender element.</summary>
    public const string SbdhSender = "/sbdh:StandardBusinessDocument/sbdh:StandardBusinessDocumentHeader/sbdh:Sender";

    /// <summary>The XPath of an element or attribute.</summary>
    public static string Of(XmlNode node)
    {
        var parts = new List<string>();
        var current = node;
        if (current is XmlAttribute attribute)
        {
            parts.Add("@" + attribute.LocalName);
            current = attribute.OwnerElement;
        }
        for (; current is XmlElement element; current = current.ParentNode)
        {
            parts.Add(Step(element));
        }
        var path = new StringBuilder();
        for (var i = parts.Count - 1; i >= 0; i--)
        {
            path.Append('/').Append(parts[i]);
        }
        return path.ToString();
    }

    private static string Step(XmlElement element)
    {
        var prefix = element.NamespaceURI.Length == 0 ? string.Empty
            : element.NamespaceURI == Ingest.SbdhReader.Namespace ? "sbdh:" : "sed:";
        var name = prefix + element.LocalName;
        if (element.ParentNode is not XmlElement parent)
        {
            return name;
        }
        int position = 0, count = 0;
        for (var sibling = parent.FirstChild; sibling is not null; sibling = sibling.NextSibling)
        {
            if (sibling is XmlElement e && e.LocalName == element.LocalName && e.NamespaceURI == element.NamespaceURI)
            {
                count++;
                if (ReferenceEquals(e, element))
                {
                    position = count;
                }
            }
        }
        return count > 1 ? $"{name}[{position}]" : name;
    }
}
