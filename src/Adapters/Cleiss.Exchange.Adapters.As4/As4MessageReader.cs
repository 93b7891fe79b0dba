using System.Text;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Adapters.As4;

/// <summary>
/// Reads one AS4 message from raw bytes: an HTTP capture (start line and headers, blank line, body), a MIME
/// multipart/related message with or without its headers, or a bare SOAP 1.1/1.2 envelope. MIME is parsed by
/// MimeKit after the boundary lines were counted and the closing delimiter found; the envelope only through the
/// hub's hardened XML reader. Every refusal is an <see cref="ExchangeError"/> with an <c>AS4.*</c> or
/// <c>INGEST.*</c> code; nothing is thrown for bad input.
/// </summary>
public static partial class As4MessageReader
{
    /// <summary>The stage name in the errors this reader returns.</summary>
    public const string Stage = "as4";

    /// <summary>Reads a message, or returns the error that stops it.</summary>
    public static As4Message? TryRead(ReadOnlyMemory<byte> bytes, As4ReaderLimits limits, out ExchangeError? error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        error = null;
        if (bytes.Length > limits.MaxMessageBytes)
        {
            error = Fail(ExchangeErrors.As4TooLarge, $"The message has {bytes.Length} bytes; the limit is {limits.MaxMessageBytes}.");
            return null;
        }
        var notes = new List<string>();
        var start = SkipBomAndWhitespace(bytes.Span);
        if (start >= bytes.Length)
        {
            error = Fail(ExchangeErrors.As4UnrecognisedFormat, "The message is empty.");
            return null;
        }
        var head = bytes.Span[start..];
        if (head[0] == (byte)'<')
        {
            return As4EnvelopeReader.TryRead(bytes[start..], limits, As4Framing.Soap, null, [], null, [], notes, out error);
        }
        if (head.StartsWith("--"u8))
        {
            var boundary = FirstLine(head)[2..];
            var type = $"multipart/related; boundary=\"{Encoding.ASCII.GetString(boundary).Trim()}\"";
            notes.Add("The MIME message has no headers: the boundary is taken from its first line.");
            return TryReadMime(bytes[start..], type, As4Framing.Mime, null, [], limits, notes, out error);
        }

        if (!TryReadHeaders(bytes.Span[start..], limits, out var startLine, out var headers, out var bodyOffset, out error))
        {
            return null;
        }
        var body = bytes[(start + bodyOffset)..];
        var http = startLine is not null || !HasHeader(headers, "MIME-Version");
        if (Header(headers, "Transfer-Encoding") is { } transfer && transfer.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            if (LooksChunked(body.Span))
            {
                if (!TryDechunk(body.Span, out var plain))
                {
                    error = Fail(ExchangeErrors.As4HttpMalformed, "The chunked body is not well framed.");
                    return null;
                }
                body = plain;
            }
            else
            {
                notes.Add("Transfer-Encoding says chunked, but the body is not chunk-framed (captured after de-chunking).");
            }
        }
        var contentType = Header(headers, "Content-Type");
        var bodyStart = SkipBomAndWhitespace(body.Span);
        if (contentType is null)
        {
            if (bodyStart < body.Length && body.Span[bodyStart] == (byte)'<')
            {
                notes.Add("No Content-Type header: the body is read as a SOAP envelope.");
                return As4EnvelopeReader.TryRead(body[bodyStart..], limits, http ? As4Framing.HttpSoap : As4Framing.Soap, startLine, headers, null, [], notes, out error);
            }
            error = Fail(ExchangeErrors.As4UnrecognisedFormat, "The headers have no Content-Type and the body is not XML.");
            return null;
        }
        if (contentType.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return TryReadMime(body, contentType, http ? As4Framing.HttpMime : As4Framing.Mime, startLine, headers, limits, notes, out error);
        }
        if (contentType.Contains("xml", StringComparison.OrdinalIgnoreCase))
        {
            if (bodyStart >= body.Length)
            {
                error = Fail(ExchangeErrors.As4UnrecognisedFormat, "The body is empty.");
                return null;
            }
            return As4EnvelopeReader.TryRead(body[bodyStart..], limits, As4Framing.HttpSoap, startLine, headers, null, [], notes, out error);
        }
        error = Fail(ExchangeErrors.As4UnrecognisedFormat, "The Content-Type is neither multipart/related nor XML.");
        return null;
    }

    private static bool TryReadHeaders(ReadOnlySpan<byte> text, As4ReaderLimits limits, out string? startLine, out List<As4Header> headers, out int bodyOffset, out ExchangeError? error)
    {
        startLine = null;
        headers = [];
        bodyOffset = 0;
        error = null;
        var position = 0;
        var first = true;
        while (true)
        {
            if (position >= text.Length)
            {
                error = Fail(headers.Count == 0 ? ExchangeErrors.As4UnrecognisedFormat : ExchangeErrors.As4HttpMalformed, "The header block does not end with a blank line.");
                return false;
            }
            var lineEnd = text[position..].IndexOf((byte)'\n');
            var raw = lineEnd < 0 ? text[position..] : text.Slice(position, lineEnd);
            if (raw.Length > limits.MaxHeaderLineBytes)
            {
                error = Fail(first ? ExchangeErrors.As4UnrecognisedFormat : ExchangeErrors.As4HttpMalformed, $"A header line is longer than {limits.MaxHeaderLineBytes} bytes.");
                return false;
            }
            var line = raw.TrimEnd((byte)'\r');
            position = lineEnd < 0 ? text.Length : position + lineEnd + 1;
            if (line.IsEmpty)
            {
                if (first)
                {
                    error = Fail(ExchangeErrors.As4UnrecognisedFormat, "The message starts with an empty header block.");
                    return false;
                }
                bodyOffset = position;
                return true;
            }
            if (!IsPrintableAscii(line))
            {
                error = Fail(first ? ExchangeErrors.As4UnrecognisedFormat : ExchangeErrors.As4HttpMalformed, "A header line has bytes that are not printable ASCII.");
                return false;
            }
            var value = Encoding.ASCII.GetString(line);
            if (first && IsStartLine(value))
            {
                startLine = value;
                first = false;
                continue;
            }
            if ((line[0] == (byte)' ' || line[0] == (byte)'\t') && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = last with { Value = last.Value + " " + value.Trim() };
                continue;
            }
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(value.AsSpan(0, colon)))
            {
                error = Fail(first ? ExchangeErrors.As4UnrecognisedFormat : ExchangeErrors.As4HttpMalformed, "A header line is not 'Name: value'.");
                return false;
            }
            if (headers.Count >= limits.MaxHeaderLines)
            {
                error = Fail(ExchangeErrors.As4HttpMalformed, $"More than {limits.MaxHeaderLines} header lines.");
                return false;
            }
            headers.Add(new As4Header(value[..colon], value[(colon + 1)..].Trim()));
            first = false;
        }
    }

    private static bool IsStartLine(string line) =>
        line.StartsWith("HTTP/", StringComparison.Ordinal)
        || (line.EndsWith(" HTTP/1.1", StringComparison.Ordinal) || line.EndsWith(" HTTP/1.0", StringComparison.Ordinal) || line.EndsWith(" HTTP/2", StringComparison.Ordinal));

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsPrintableAscii(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if ((b < 0x20 && b != (byte)'\t') || b >= 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static bool LooksChunked(ReadOnlySpan<byte> body)
    {
        var line = FirstLine(body).TrimEnd((byte)'\r');
        if (line.IsEmpty || line.Length > 16)
        {
            return false;
        }
        foreach (var b in line)
        {
            if (!char.IsAsciiHexDigit((char)b) && b != (byte)';')
            {
                return false;
            }
        }
        return true;
    }

    private static bool TryDechunk(ReadOnlySpan<byte> body, out ReadOnlyMemory<byte> plain)
    {
        plain = default;
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var line = FirstLine(body[position..]);
            var sizeText = Encoding.ASCII.GetString(line.TrimEnd((byte)'\r'));
            var semicolon = sizeText.IndexOf(';', StringComparison.Ordinal);
            if (semicolon >= 0)
            {
                sizeText = sizeText[..semicolon];
            }
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                return false;
            }
            position += line.Length + 1;
            if (size == 0)
            {
                plain = output.ToArray();
                return true;
            }
            if (position + size > body.Length)
            {
                return false;
            }
            output.Write(body.Slice(position, size));
            position += size;
            if (body[position..].StartsWith("\r\n"u8))
            {
                position += 2;
            }
            else if (body[position..].StartsWith("\n"u8))
            {
                position += 1;
            }
            else
            {
                return false;
            }
        }
        return false;
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> text)
    {
        var end = text.IndexOf((byte)'\n');
        return end < 0 ? text : text[..end];
    }

    private static int SkipBomAndWhitespace(ReadOnlySpan<byte> bytes)
    {
        var i = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        while (i < bytes.Length && bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }
        return i;
    }

    private static bool HasHeader(List<As4Header> headers, string name) => Header(headers, name) is not null;

    private static string? Header(List<As4Header> headers, string name)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }
        return null;
    }

    internal static ExchangeError Fail(string code, string detail) => ExchangeErrors.Permanent(code, Stage, detail);
}
