using System.Text;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
using MimeKit;

namespace Cleiss.Exchange.Adapters.As4;

/// <summary>As4MessageReader, MIME: the delimiter scan (part count, part header caps) before MimeKit, then the parts.</summary>
public static partial class As4MessageReader
{
    private static As4Message? TryReadMime(ReadOnlyMemory<byte> body, string contentTypeText, As4Framing framing, string? startLine, IReadOnlyList<As4Header> headers,
        As4ReaderLimits limits, List<string> notes, out ExchangeError? error)
    {
        error = null;
        if (!ContentType.TryParse(ParserOptions.Default, Encoding.ASCII.GetBytes(contentTypeText), out var contentType)
            || !contentType.IsMimeType("multipart", "related"))
        {
            error = Fail(ExchangeErrors.As4MimeMalformed, "The Content-Type is not multipart/related.");
            return null;
        }
        var boundary = contentType.Boundary;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70) // RFC 2046 5.1.1: 1 to 70 characters (H14)
        {
            error = Fail(ExchangeErrors.As4MimeMalformed, "The multipart Content-Type has no usable boundary.");
            return null;
        }
        // Count the parts and find the closing delimiter before MimeKit sees anything (RFC 2046 5.1.1: a delimiter
        // is "--boundary" at the start of a line; the last one ends with "--").
        var (parts, closed, headerProblem) = ScanDelimiters(body.Span, Encoding.ASCII.GetBytes("--" + boundary), limits);
        if (headerProblem is not null)
        {
            error = Fail(ExchangeErrors.As4MimeMalformed, headerProblem);
            return null;
        }
        if (parts > limits.MaxParts)
        {
            error = Fail(ExchangeErrors.As4MimeTooManyParts, $"The message has at least {parts} parts; the limit is {limits.MaxParts}.");
            return null;
        }
        if (parts == 0)
        {
            error = Fail(ExchangeErrors.As4MimeNoStartPart, "The multipart body has no part.");
            return null;
        }
        if (!closed)
        {
            error = Fail(ExchangeErrors.As4MimeTruncated, "The closing delimiter of the multipart body is missing: the message is truncated.");
            return null;
        }

        MimeEntity entity;
        try
        {
            // The parts are parsed under a Content-Type header of their own: the captured headers may start with an
            // HTTP start line, or be absent.
            var prefix = Encoding.ASCII.GetBytes($"Content-Type: {contentTypeText}\r\n\r\n");
            var framed = new byte[prefix.Length + body.Length];
            prefix.CopyTo(framed, 0);
            body.Span.CopyTo(framed.AsSpan(prefix.Length));
            using var stream = new MemoryStream(framed, writable: false);
            var options = ParserOptions.Default.Clone();
            options.MaxMimeDepth = 2;
            entity = MimeEntity.Load(options, stream);
        }
        catch (FormatException ex)
        {
            error = Fail(ExchangeErrors.As4MimeMalformed, $"The MIME structure cannot be read: {ex.Message}");
            return null;
        }
        if (entity is not Multipart multipart)
        {
            error = Fail(ExchangeErrors.As4MimeMalformed, "The MIME body is not a multipart.");
            return null;
        }
        if (multipart.Count != parts)
        {
            // H14: a boundary trick that makes MimeKit see other parts than the delimiter scan is refused, not guessed at.
            error = Fail(ExchangeErrors.As4MimeMalformed, $"The delimiter lines give {parts} parts but the MIME parser finds {multipart.Count}.");
            return null;
        }

        var decoded = new List<(MimePart Part, byte[] Content)>(multipart.Count);
        foreach (var child in multipart)
        {
            if (child is not MimePart part)
            {
                error = Fail(ExchangeErrors.As4MimeMalformed, "A part is itself multipart or a message; AS4 parts do not nest.");
                return null;
            }
            if (part.Content is null)
            {
                decoded.Add((part, []));
                continue;
            }
            using var content = new MemoryStream();
            try
            {
                part.Content.DecodeTo(content);
            }
            catch (FormatException ex)
            {
                error = Fail(ExchangeErrors.As4MimeMalformed, $"A part cannot be decoded: {ex.Message}");
                return null;
            }
            if (content.Length > limits.MaxPartBytes)
            {
                error = Fail(ExchangeErrors.As4MimePartTooLarge, $"Part {ContentId(part) ?? (decoded.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} has {content.Length} bytes; the limit is {limits.MaxPartBytes}.");
                return null;
            }
            decoded.Add((part, content.ToArray()));
        }

        var startId = contentType.Parameters.TryGetValue("start", out string? startValue) ? Cid(startValue) : null;
        var root = -1;
        for (var i = 0; i < decoded.Count; i++)
        {
            if (startId is null ? i == 0 : string.Equals(ContentId(decoded[i].Part), startId, StringComparison.Ordinal))
            {
                root = i;
                break;
            }
        }
        if (root < 0)
        {
            error = Fail(ExchangeErrors.As4MimeNoStartPart, $"No part has the start Content-ID <{startId}>.");
            return null;
        }
        var rootPart = decoded[root].Part;
        if (!IsSoapType(rootPart.ContentType))
        {
            error = Fail(ExchangeErrors.As4MimeNoStartPart, $"The start part is {rootPart.ContentType.MimeType}, not a SOAP envelope.");
            return null;
        }
        var attachments = new List<As4Attachment>(decoded.Count - 1);
        for (var i = 0; i < decoded.Count; i++)
        {
            if (i == root)
            {
                continue;
            }
            var (part, content) = decoded[i];
            attachments.Add(new As4Attachment(ContentId(part), part.ContentType.MimeType, part.Headers[HeaderId.ContentTransferEncoding]?.Trim(), content.Length) { Content = content });
        }
        var soap = decoded[root].Content;
        var soapPart = new As4Part(ContentId(rootPart), rootPart.ContentType.MimeType, soap.Length);
        var offset = SkipBomAndWhitespace(soap);
        return As4EnvelopeReader.TryRead(soap.AsMemory(offset), limits, framing, startLine, headers, soapPart, attachments, notes, out error);
    }

    private static bool IsSoapType(ContentType type) =>
        type.IsMimeType("application", "soap+xml") || type.IsMimeType("text", "xml") || type.IsMimeType("application", "xml");

    /// <summary>
    /// A part's Content-ID from the raw header: MimeKit's parsed <see cref="MimeEntity.ContentId"/> is null for ids that
    /// are not strict RFC 5322 msg-ids (e.g. a ':' in the right-hand side, <c>&lt;sed@host:8080&gt;</c>), which other AS4
    /// stacks send and reference from PartInfo.
    /// </summary>
    private static string? ContentId(MimeEntity part) => Cid(part.Headers[HeaderId.ContentId]);

    /// <summary>A Content-ID or start parameter without its angle brackets.</summary>
    internal static string? Cid(string? value) => value is null ? null : value.Trim().TrimStart('<').TrimEnd('>');

    /// <summary>
    /// Counts the delimiter lines up to the closing one, and bounds each part's header block (H14): at most
    /// <see cref="As4ReaderLimits.MaxHeaderLines"/> lines of at most <see cref="As4ReaderLimits.MaxHeaderLineBytes"/> bytes.
    /// </summary>
    private static (int Parts, bool Closed, string? HeaderProblem) ScanDelimiters(ReadOnlySpan<byte> body, ReadOnlySpan<byte> delimiter, As4ReaderLimits limits)
    {
        var parts = 0;
        var position = 0;
        var headerLines = -1; // -1: not in a part's header block
        while (position < body.Length)
        {
            var lineEnd = body[position..].IndexOf((byte)'\n');
            var line = lineEnd < 0 ? body[position..] : body.Slice(position, lineEnd);
            if (headerLines >= 0)
            {
                if (line.Length > limits.MaxHeaderLineBytes)
                {
                    return (parts, false, $"A header line of part {parts} is longer than {limits.MaxHeaderLineBytes} bytes.");
                }
                if (line.TrimEnd((byte)'\r').IsEmpty)
                {
                    headerLines = -1;
                }
                else if (++headerLines > limits.MaxHeaderLines)
                {
                    return (parts, false, $"Part {parts} has more than {limits.MaxHeaderLines} header lines.");
                }
            }
            else if (line.StartsWith(delimiter))
            {
                var rest = line[delimiter.Length..];
                if (rest.StartsWith("--"u8))
                {
                    return (parts, true, null);
                }
                if (rest.TrimEnd("\r \t"u8).IsEmpty)
                {
                    parts++;
                    headerLines = 0;
                }
            }
            if (lineEnd < 0)
            {
                break;
            }
            position += lineEnd + 1;
        }
        return (parts, false, null);
    }
}
