namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>
/// The input of the SwA Attachment-Content-Signature-Transform (SwA 1.1, 5.3.1 and 5.4.2): the decoded octets of the
/// part, with text/* content in MIME canonical form (every line ending CRLF, RFC 2045 / RFC 2046 4.1.1). So a text
/// attachment whose line endings a MIME layer rewrote (LF to CRLF on an 8bit part) still verifies, and the hub signs
/// what a receiver canonicalises. Other types are digested as they are.
/// </summary>
public static class AttachmentContent
{
    /// <summary>True for the types whose content is canonicalised (text/*).</summary>
    public static bool IsText(string? mimeType) => mimeType is not null && mimeType.StartsWith("text/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The octets to digest for a part of <paramref name="mimeType"/>.</summary>
    public static ReadOnlyMemory<byte> Canonical(string? mimeType, ReadOnlyMemory<byte> content) =>
        IsText(mimeType) ? CrLf(content.Span) : content;

    /// <summary>Bare LF and bare CR become CRLF; CRLF stays.</summary>
    internal static byte[] CrLf(ReadOnlySpan<byte> text)
    {
        var extra = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if ((text[i] == (byte)'\n' && (i == 0 || text[i - 1] != (byte)'\r')) || (text[i] == (byte)'\r' && (i + 1 == text.Length || text[i + 1] != (byte)'\n')))
            {
                extra++;
            }
        }
        var output = new byte[text.Length + extra];
        var o = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'\n' && (i == 0 || text[i - 1] != (byte)'\r'))
            {
                output[o++] = (byte)'\r';
                output[o++] = (byte)'\n';
            }
            else if (b == (byte)'\r' && (i + 1 == text.Length || text[i + 1] != (byte)'\n'))
            {
                output[o++] = (byte)'\r';
                output[o++] = (byte)'\n';
            }
            else
            {
                output[o++] = b;
            }
        }
        return output;
    }
}
