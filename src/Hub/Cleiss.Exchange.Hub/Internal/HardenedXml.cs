using System.Text;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;

namespace Cleiss.Exchange.Hub.Internal;

/// <summary>
/// The only way XML from outside enters the hub (runs per message): UTF-8 only, DTDs prohibited,
/// no resolver (no file or network access), character checks on, and structural limits on
/// depth, attributes, names and values checked on every node as it is read, before any recursive
/// processing (C14N, XSD on the tree).
/// </summary>
public static class HardenedXml
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reader settings for untrusted XML.</summary>
    public static XmlReaderSettings ReaderSettings(IntakeOptions limits) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        CheckCharacters = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersInDocument = limits.MaxDocumentBytes,
        MaxCharactersFromEntities = 1024,
        CloseInput = true,
    };

    /// <summary>Parses a document, or returns the error that stops it.</summary>
    public static XmlDocument? TryLoad(ReadOnlyMemory<byte> bytes, IntakeOptions limits, string stage, out ExchangeError? error) =>
        TryLoad(bytes, limits, stage, null, out error, out _);

    /// <summary>
    /// Parses a document and, with <paramref name="schemas"/>, validates it in the same pass;
    /// <paramref name="schemaValid"/> is true only when that validation ran and found nothing. A tree
    /// read with schemas keeps no whitespace-only nodes: never sign or verify it.
    /// </summary>
    public static XmlDocument? TryLoad(ReadOnlyMemory<byte> bytes, IntakeOptions limits, string stage, XmlSchemaSet? schemas, out ExchangeError? error, out bool schemaValid)
    {
        error = null;
        schemaValid = false;
        if (bytes.IsEmpty)
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestEmptyBody, stage, "The document is empty.");
            return null;
        }
        if (bytes.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        if (!DeclaresUtf8OrNothing(bytes.Span))
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestNotUtf8, stage, "The XML declaration names an encoding other than UTF-8.");
            return null;
        }
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var schemaErrors = 0;
        bool schemaAddedAttributes;
        try
        {
            var settings = ReaderSettings(limits);
            if (schemas is not null)
            {
                settings.ValidationType = ValidationType.Schema;
                settings.Schemas = schemas;
                settings.ValidationFlags = XmlSchemaValidationFlags.AllowXmlAttributes;
                settings.ValidationEventHandler += (_, e) => schemaErrors += e.Severity == XmlSeverityType.Error ? 1 : 0;
                // This tree only serves validation and routing (outbound intake): the bytes are stored as received and
                // parsed again, whitespace preserved, to be signed. Dropping whitespace-only nodes makes it cheaper.
                settings.IgnoreWhitespace = true;
                document.PreserveWhitespace = false;
            }
            var text = new StreamReader(new ReadOnlyMemoryStream(bytes), StrictUtf8, detectEncodingFromByteOrderMarks: false);
            using var reader = new LimitedXmlReader(XmlReader.Create(text, settings), limits);
            document.Load(reader);
            schemaAddedAttributes = reader.SchemaAddedAttributes;
        }
        catch (LimitExceededException ex)
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestLimitExceeded, stage, ex.Message);
            return null;
        }
        catch (XmlException ex) when (ex.Message.Contains(nameof(XmlReaderSettings.MaxCharactersInDocument), StringComparison.Ordinal))
        {
            // The reader's document cap is a limit, not a syntax error (S22: a huge CipherValue in an AS4 envelope).
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestLimitExceeded, stage, $"The document has more than {limits.MaxDocumentBytes} characters.");
            return null;
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase))
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestDtdProhibited, stage, "The document contains a DTD; DTDs and entities are prohibited.");
            return null;
        }
        catch (XmlException ex)
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestMalformedXml, stage, $"Not well-formed at line {ex.LineNumber}, position {ex.LinePosition}.");
            return null;
        }
        catch (DecoderFallbackException)
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.IngestNotUtf8, stage, "The document is not valid UTF-8.");
            return null;
        }

        if (schemaAddedAttributes)
        {
            // A schema default attribute would change what is signed or verified: keep the bytes' own tree.
            return TryLoad(bytes, limits, stage, null, out error, out schemaValid);
        }
        schemaValid = schemas is not null && schemaErrors == 0;
        return document;
    }

    /// <summary>True when the prolog has no encoding declaration or declares UTF-8.</summary>
    private static bool DeclaresUtf8OrNothing(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 200)];
        if (head.Length >= 2 && (head[0] == 0xFE || head[0] == 0xFF || head[0] == 0x00 || head[1] == 0x00))
        {
            return false; // UTF-16/32 byte order or NUL bytes
        }
        if (!head.StartsWith("<?xml"u8))
        {
            return true;
        }
        var end = head.IndexOf("?>"u8);
        var declaration = end < 0 ? head : head[..end];
        var at = declaration.IndexOf("encoding"u8);
        if (at < 0)
        {
            return true;
        }
        var rest = Encoding.ASCII.GetString(declaration[(at + 8)..]).Trim().TrimStart('=').Trim().Trim('"', '\'');
        var close = rest.IndexOfAny(['"', '\'']);
        var name = close < 0 ? rest : rest[..close];
        return name.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || name.Equals("UTF8", StringComparison.OrdinalIgnoreCase);
    }
}
