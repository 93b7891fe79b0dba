using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// Exclusive XML Canonicalization 1.0 without comments (https://www.w3.org/TR/xml-exc-c14n/, empty
/// InclusiveNamespaces prefix list) of a whole parsed document or of one element's subtree, written
/// straight into a SHA-256 (runs per signed message; the AS4 adapter uses it for wsu:Id references). SignedXml's transform first copies the
/// document through an XmlNodeReader into a second tree and then serialises it, which costs more than
/// the RSA signature itself (perf/README.md, "Business signatures"). Verification uses it too, after
/// SignedXml has parsed the signature and the profile checks passed: for the reference digest (the
/// document minus the signature: the enveloped-signature transform) and for SignedInfo. Tests check
/// byte-for-byte equality with SignedXml's exclusive C14N on every shipped sample and on namespace
/// edge cases; xmlsec1 verifies the hub's signatures and the hub verifies xmlsec1's.
/// Scope: trees from <see cref="Internal.HardenedXml"/> (no DTD, so no entity references; processing
/// instructions are dropped when parsing).
/// </summary>
public sealed class ExclusiveCanonicalizer : IDisposable
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
    private const int BufferChars = 8192;
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<\"\t\n\r");
    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly char[] _chars = ArrayPool<char>.Shared.Rent(BufferChars);
    private readonly byte[] _bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(BufferChars));
    private int _used;

    private ExclusiveCanonicalizer()
    {
    }

    /// <summary>
    /// SHA-256 of the exclusive canonical form of <paramref name="document"/> (the document element; comments and
    /// whitespace outside it dropped), leaving out <paramref name="skip"/> and its subtree (an enveloped signature).
    /// </summary>
    public static byte[] Sha256(XmlDocument document, XmlNode? skip = null)
    {
        using var canonicalizer = new ExclusiveCanonicalizer { _skip = skip };
        if (document.DocumentElement is { } root)
        {
            canonicalizer.Element(root, null);
        }
        return canonicalizer.Finish();
    }

    /// <summary>SHA-256 of the exclusive canonical form of one element's subtree (a document subset, e.g. SignedInfo).</summary>
    public static byte[] Sha256(XmlElement element)
    {
        using var canonicalizer = new ExclusiveCanonicalizer();
        canonicalizer.Element(element, null);
        return canonicalizer.Finish();
    }

    /// <summary>The canonical form as text (for tests).</summary>
    internal static string Text(XmlDocument document)
    {
        var builder = new StringBuilder();
        using var canonicalizer = new ExclusiveCanonicalizer { _capture = builder };
        if (document.DocumentElement is { } root)
        {
            canonicalizer.Element(root, null);
        }
        canonicalizer.Finish();
        return builder.ToString();
    }

    private StringBuilder? _capture;
    private XmlNode? _skip;

    private void Element(XmlElement element, Scope? rendered)
    {
        Write('<');
        Write(element.Name);

        // Namespaces visibly utilised here (the element's and its prefixed attributes') that the output
        // ancestors have not rendered with the same value; "xml" is never declared.
        List<(string Prefix, string Uri)>? declare = null;
        var scope = rendered;
        Need(element.Prefix, element.NamespaceURI, isElement: true, ref declare, rendered);
        var attributes = element.HasAttributes ? element.Attributes : null;
        List<XmlAttribute>? sorted = null;
        if (attributes is not null)
        {
            for (var i = 0; i < attributes.Count; i++)
            {
                var attribute = attributes[i];
                if (attribute.NamespaceURI == XmlnsNamespace)
                {
                    continue; // declarations are rendered from use, above
                }
                (sorted ??= []).Add(attribute);
                if (attribute.Prefix.Length > 0)
                {
                    Need(attribute.Prefix, attribute.NamespaceURI, isElement: false, ref declare, rendered);
                }
            }
        }
        if (declare is not null)
        {
            declare.Sort(static (a, b) => string.CompareOrdinal(a.Prefix, b.Prefix));
            foreach (var (prefix, uri) in declare)
            {
                Write(prefix.Length == 0 ? " xmlns=\"" : " xmlns:");
                if (prefix.Length > 0)
                {
                    Write(prefix);
                    Write("=\"");
                }
                Escaped(uri, attribute: true);
                Write('"');
                scope = new Scope(prefix, uri, scope);
            }
        }
        if (sorted is not null)
        {
            if (sorted.Count > 1)
            {
                sorted.Sort(static (a, b) =>
                {
                    var byNamespace = string.CompareOrdinal(a.NamespaceURI, b.NamespaceURI);
                    return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.LocalName, b.LocalName);
                });
            }
            foreach (var attribute in sorted)
            {
                Write(' ');
                Write(attribute.Name);
                Write("=\"");
                Escaped(attribute.Value, attribute: true);
                Write('"');
            }
        }
        Write('>');

        for (var child = element.FirstChild; child is not null; child = child.NextSibling)
        {
            switch (child)
            {
                case XmlElement childElement when !ReferenceEquals(childElement, _skip):
                    Element(childElement, scope);
                    break;
                case XmlText or XmlCDataSection or XmlWhitespace or XmlSignificantWhitespace:
                    Escaped(child.Value!, attribute: false);
                    break;
                case XmlProcessingInstruction instruction:
                    Write("<?");
                    Write(instruction.Target);
                    if (instruction.Data.Length > 0)
                    {
                        Write(' ');
                        Write(instruction.Data);
                    }
                    Write("?>");
                    break;
                case XmlEntityReference:
                    throw new InvalidOperationException("Entity references are not canonicalised here (DTDs are prohibited).");
                    // comments: excluded (exclusive C14N without comments)
            }
        }

        Write("</");
        Write(element.Name);
        Write('>');
    }

    /// <summary>Adds <paramref name="prefix"/> → <paramref name="uri"/> to the declarations when the output does not have it in scope.</summary>
    private static void Need(string prefix, string uri, bool isElement, ref List<(string, string)>? declare, Scope? rendered)
    {
        if (prefix == "xml" || (declare is not null && declare.Exists(d => d.Item1 == prefix)))
        {
            return;
        }
        var current = Scope.Find(rendered, prefix);
        if (prefix.Length == 0)
        {
            // The default namespace: rendered when it differs from the one in scope in the output; an empty
            // one (xmlns="") only when an output ancestor rendered a non-empty default.
            if (!isElement || current == uri || (uri.Length == 0 && current is null))
            {
                return;
            }
        }
        else if (current == uri)
        {
            return;
        }
        (declare ??= []).Add((prefix, uri));
    }

    private void Escaped(string value, bool attribute)
    {
        var rest = value.AsSpan();
        while (rest.Length > 0)
        {
            var at = rest.IndexOfAny(attribute ? AttributeSpecials : TextSpecials);
            if (at < 0)
            {
                Write(rest);
                return;
            }
            Write(rest[..at]);
            Write(rest[at] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\t' => "&#x9;",
                '\n' => "&#xA;",
                _ => "&#xD;",
            });
            rest = rest[(at + 1)..];
        }
    }

    private void Write(char c)
    {
        if (_used == BufferChars)
        {
            Flush();
        }
        _chars[_used++] = c;
    }

    private void Write(ReadOnlySpan<char> text)
    {
        while (text.Length > 0)
        {
            if (_used == BufferChars)
            {
                Flush();
            }
            // Never split a surrogate pair across two encoder calls.
            var take = Math.Min(text.Length, BufferChars - _used);
            if (take < text.Length && take > 0 && char.IsHighSurrogate(text[take - 1]))
            {
                take--;
                if (take == 0)
                {
                    Flush();
                    continue;
                }
            }
            text[..take].CopyTo(_chars.AsSpan(_used));
            _used += take;
            text = text[take..];
        }
    }

    private void Flush()
    {
        if (_used == 0)
        {
            return;
        }
        _capture?.Append(_chars, 0, _used);
        var count = Encoding.UTF8.GetBytes(_chars, 0, _used, _bytes, 0);
        _hash.AppendData(_bytes, 0, count);
        _used = 0;
    }

    private byte[] Finish()
    {
        Flush();
        return _hash.GetHashAndReset();
    }

    public void Dispose()
    {
        _hash.Dispose();
        ArrayPool<char>.Shared.Return(_chars);
        ArrayPool<byte>.Shared.Return(_bytes);
    }

    /// <summary>A namespace declaration rendered by an output ancestor (a short chain: documents declare few).</summary>
    private sealed record Scope(string Prefix, string Uri, Scope? Parent)
    {
        public static string? Find(Scope? scope, string prefix)
        {
            for (var s = scope; s is not null; s = s.Parent)
            {
                if (s.Prefix == prefix)
                {
                    return s.Uri;
                }
            }
            return null;
        }
    }
}
