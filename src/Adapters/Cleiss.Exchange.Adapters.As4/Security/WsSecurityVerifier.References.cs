using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>WsSecurityVerifier, references: how each ds:Reference is planned, resolved (by unique NCName id or cid:) and digested.</summary>
public static partial class WsSecurityVerifier
{
    private sealed record ReferencePlan(string Uri, string? DigestMethod, string? DigestValue, int TransformCount, bool IsAttachment, string? PrefixList, string? PolicyError);

    private static ReferencePlan Plan(XmlElement reference)
    {
        var uri = reference.GetAttributeNode("URI")?.Value;
        var digestMethod = Child(reference, Dsig, "DigestMethod")?.GetAttribute("Algorithm");
        var digestValue = Child(reference, Dsig, "DigestValue")?.InnerText.Trim();
        var transforms = Child(reference, Dsig, "Transforms") is { } t
            ? As4EnvelopeReader.Elements(t).Where(e => e.NamespaceURI == Dsig && e.LocalName == "Transform").ToList()
            : [];
        ReferencePlan Refused(string why) => new(uri ?? "(none)", digestMethod, digestValue, transforms.Count, false, null, why);
        if (uri is null)
        {
            return Refused("a reference without URI is not allowed.");
        }
        if (digestMethod is null || !DigestMethods.ContainsKey(digestMethod))
        {
            return Refused($"DigestMethod {digestMethod} is not in the policy (sha256, sha384, sha512) (S17).");
        }
        if (string.IsNullOrEmpty(digestValue))
        {
            return Refused("no DigestValue.");
        }
        if (uri.StartsWith("cid:", StringComparison.Ordinal))
        {
            if (transforms.Count != 1 || transforms[0].GetAttribute("Algorithm") is not (AttachmentContentTransform or AttachmentCiphertextTransform))
            {
                return Refused($"an attachment reference must have exactly the SwA Attachment-Content-Signature-Transform, not [{string.Join(", ", transforms.Select(x => x.GetAttribute("Algorithm")))}] (S07/S08; Attachment-Complete is not supported).");
            }
            return new ReferencePlan(uri, digestMethod, digestValue, transforms.Count, true, null, null);
        }
        if (!uri.StartsWith('#'))
        {
            return Refused("only same-document (#id) and attachment (cid:) references are allowed; nothing is fetched (S05).");
        }
        if (!IsNcName(uri.AsSpan(1)))
        {
            return Refused("the id is not an NCName (S06).");
        }
        if (transforms.Count != 1 || transforms[0].GetAttribute("Algorithm") != ExcC14N)
        {
            return Refused($"an element reference must have exactly the exclusive C14N transform, not [{string.Join(", ", transforms.Select(x => x.GetAttribute("Algorithm")))}] (S07/S08/S11).");
        }
        if (!TryPrefixList(transforms[0], out var prefixes, out var prefixError))
        {
            return Refused(prefixError);
        }
        return new ReferencePlan(uri, digestMethod, digestValue, transforms.Count, false, prefixes, null);
    }

    private static As4ReferenceResult CheckReference(ReferencePlan plan, XmlDocument document, As4Message message, XmlElement? messaging, XmlElement? body,
        HashSet<string> encryptedCids, List<XmlElement> resolvedElements, HashSet<string> coveredCids)
    {
        byte[] expected;
        try
        {
            expected = Convert.FromBase64String(plan.DigestValue!);
        }
        catch (FormatException)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.DigestMismatch, null, "the DigestValue is not base64.");
        }
        var hash = DigestMethods[plan.DigestMethod!];
        As4ReferenceResult Result(As4ReferenceTarget target, As4ReferenceStatus status, byte[]? computed, string? detail) =>
            new(plan.Uri, target, plan.DigestMethod, status, plan.DigestValue, computed is null ? null : Convert.ToBase64String(computed), detail);
        As4ReferenceResult Compare(As4ReferenceTarget target, byte[] computed) =>
            CryptographicOperations.FixedTimeEquals(computed, expected)
                ? Result(target, As4ReferenceStatus.Valid, computed, null)
                : Result(target, As4ReferenceStatus.DigestMismatch, computed, "the digest does not match: the part was changed after signing.");

        if (plan.IsAttachment)
        {
            var cid = Uri.UnescapeDataString(plan.Uri[4..]);
            coveredCids.Add(cid);
            var matches = message.Attachments.Where(a => string.Equals(a.ContentId, cid, StringComparison.Ordinal)).ToList();
            if (matches.Count > 1)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.Ambiguous, null, $"{matches.Count} attachments have the Content-ID <{cid}>.");
            }
            if (matches.Count == 0)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.AttachmentAbsent, null, $"the message has no attachment <{cid}>.");
            }
            if (encryptedCids.Contains(cid) && !matches[0].Decrypted)
            {
                return Result(As4ReferenceTarget.Attachment, As4ReferenceStatus.AttachmentEncrypted, null, $"attachment <{cid}> is encrypted; its signed content cannot be digested without the recipient's key.");
            }
            // Attachment-Content-Signature-Transform: the octets of the decoded MIME content (SwA 1.1, 5.3.1), text/* in
            // canonical CRLF form. A text part digested as its raw octets (stacks that skip the canonical form) also counts.
            var canonical = Compare(As4ReferenceTarget.Attachment, Hash(hash, AttachmentContent.Canonical(matches[0].ContentType, matches[0].Content).Span));
            return canonical.Status == As4ReferenceStatus.Valid || !AttachmentContent.IsText(matches[0].ContentType)
                ? canonical
                : Compare(As4ReferenceTarget.Attachment, Hash(hash, matches[0].Content.Span)) is { Status: As4ReferenceStatus.Valid } raw ? raw : canonical;
        }

        var id = plan.Uri[1..];
        var found = FindById(document, id);
        if (found.Count == 0)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.Unresolved, null, $"no element has the id {id}.");
        }
        if (found.Count > 1)
        {
            return Result(As4ReferenceTarget.Unknown, As4ReferenceStatus.Ambiguous, null, $"{found.Count} elements carry the id {id} (S02/S03): the reference is ambiguous.");
        }
        var element = found[0];
        resolvedElements.Add(element);
        var target = element == messaging ? As4ReferenceTarget.Messaging : element == body ? As4ReferenceTarget.Body : As4ReferenceTarget.OtherElement;
        return Compare(target, Hash(hash, Canonicalize(element, plan.PrefixList)));
    }

    private static byte[] Hash(HashAlgorithmName name, ReadOnlySpan<byte> data) =>
        name == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : name == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : SHA256.HashData(data);

    /// <summary>Every element whose wsu:Id, Id, ID or xml:id attribute equals <paramref name="id"/> (S02/S03: all attribute kinds count).</summary>
    private static List<XmlElement> FindById(XmlDocument document, string id)
    {
        var found = new List<XmlElement>();
        foreach (var element in Descendants(document.DocumentElement!))
        {
            foreach (XmlAttribute attribute in element.Attributes)
            {
                var isId = attribute.LocalName switch
                {
                    "Id" => attribute.NamespaceURI is "" or Wsu,
                    "ID" => attribute.NamespaceURI.Length == 0,
                    "id" => attribute.NamespaceURI == "http://www.w3.org/XML/1998/namespace",
                    _ => false,
                };
                if (isId && string.Equals(attribute.Value, id, StringComparison.Ordinal))
                {
                    found.Add(element);
                    break;
                }
            }
        }
        return found;
    }

    private static IEnumerable<XmlElement> Descendants(XmlElement root)
    {
        var stack = new Stack<XmlElement>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var element = stack.Pop();
            yield return element;
            for (var child = element.LastChild; child is not null; child = child.PreviousSibling)
            {
                if (child is XmlElement e)
                {
                    stack.Push(e);
                }
            }
        }
    }

    /// <summary>
    /// Exclusive C14N (without comments) of one element as an apex node: the element is copied into a document of
    /// its own with the namespace declarations in scope from its ancestors, which exclusive C14N then emits only
    /// where visibly used or named in the InclusiveNamespaces PrefixList. Attributes in the xml: namespace are not
    /// inherited (exc-c14n, section 3).
    /// </summary>
    internal static byte[] Canonicalize(XmlElement element, string? prefixList)
    {
        var isolated = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var copy = (XmlElement)isolated.ImportNode(element, deep: true);
        isolated.AppendChild(copy);
        for (var ancestor = element.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            foreach (XmlAttribute attribute in ancestor.Attributes)
            {
                if (attribute.NamespaceURI == XmlnsNamespace && !copy.HasAttribute(attribute.Name))
                {
                    var declaration = isolated.CreateAttribute(attribute.Prefix, attribute.LocalName, XmlnsNamespace);
                    declaration.Value = attribute.Value;
                    copy.Attributes.Append(declaration);
                }
            }
        }
        var transform = new XmlDsigExcC14NTransform(includeComments: false, prefixList);
        transform.LoadInput(isolated);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        output.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static bool TryPrefixList(XmlElement method, out string? prefixes, out string error)
    {
        prefixes = null;
        error = "";
        foreach (var child in As4EnvelopeReader.Elements(method))
        {
            if (child.NamespaceURI == ExcC14N && child.LocalName == "InclusiveNamespaces" && prefixes is null)
            {
                prefixes = child.GetAttribute("PrefixList");
                foreach (var prefix in prefixes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (prefix != "#default" && !IsNcName(prefix))
                    {
                        error = $"InclusiveNamespaces PrefixList holds '{prefix}', not a prefix.";
                        return false;
                    }
                }
            }
            else
            {
                error = $"Unexpected {child.Name} in {method.Name}.";
                return false;
            }
        }
        return true;
    }

    private static HashSet<string> EncryptedCids(XmlDocument document)
    {
        var cids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in Descendants(document.DocumentElement!))
        {
            if (element.NamespaceURI == Xenc && element.LocalName == "CipherReference"
                && element.GetAttribute("URI") is { } uri && uri.StartsWith("cid:", StringComparison.Ordinal))
            {
                cids.Add(Uri.UnescapeDataString(uri[4..]));
            }
        }
        return cids;
    }

    /// <summary>An NCName (XML Namespaces 1.0): what a same-document reference may name; checked before any lookup (S06).</summary>
    internal static bool IsNcName(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 256)
        {
            return false;
        }
        try
        {
            return XmlConvert.VerifyNCName(value.ToString()).Length == value.Length;
        }
        catch (XmlException)
        {
            return false;
        }
    }
}
