using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>The AS4 reader on hand-made messages: the three framings, and hostile input refused with its code, nothing thrown.</summary>
public sealed class As4MessageReaderTests
{
    private const string Boundary = "MIMEBoundary_42";

    private const string Envelope =
        """<?xml version="1.0" encoding="UTF-8"?><S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope" xmlns:eb="http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/">"""
        + """<S12:Header><eb:Messaging S12:mustUnderstand="true"><eb:UserMessage><eb:MessageInfo><eb:Timestamp>2026-11-26T10:00:00Z</eb:Timestamp><eb:MessageId>m1@cleiss</eb:MessageId></eb:MessageInfo>"""
        + """<eb:PartyInfo><eb:From><eb:PartyId type="urn:eu:europa:ec:dgempl:eessi:ir">FR:AP0001</eb:PartyId><eb:Role>urn:eu:europa:ec:dgempl:eessi:ir:institution</eb:Role></eb:From>"""
        + """<eb:To><eb:PartyId type="urn:eu:europa:ec:dgempl:eessi:ir">BE:AP0001</eb:PartyId><eb:Role>urn:eu:europa:ec:dgempl:eessi:ir:institution</eb:Role></eb:To></eb:PartyInfo>"""
        + """<eb:CollaborationInfo><eb:Service type="urn:eu:europa:ec:dgempl:eessi">BusinessMessaging</eb:Service><eb:Action>Send</eb:Action><eb:ConversationId>case-1</eb:ConversationId></eb:CollaborationInfo>"""
        + """<eb:PayloadInfo><eb:PartInfo href="cid:sed@cleiss"><eb:PartProperties><eb:Property name="PartType">SED</eb:Property><eb:Property name="MimeType">application/xml</eb:Property></eb:PartProperties></eb:PartInfo></eb:PayloadInfo>"""
        + """</eb:UserMessage></eb:Messaging></S12:Header><S12:Body/></S12:Envelope>""";

    private static As4Message? Read(string text, As4ReaderLimits? limits = null) => Read(Encoding.UTF8.GetBytes(text), limits, out _);

    private static As4Message? Read(byte[] bytes, As4ReaderLimits? limits, out ExchangeError? error)
    {
        As4Message? message = null;
        ExchangeError? found = null;
        var thrown = Record.Exception(() => message = As4MessageReader.TryRead(bytes, limits ?? new As4ReaderLimits(), out found));
        Assert.Null(thrown);
        error = found;
        Assert.True(message is null != (error is null), "exactly one of message and error");
        return message;
    }

    private static string Refused(string text, As4ReaderLimits? limits = null)
    {
        Assert.Null(Read(Encoding.UTF8.GetBytes(text), limits, out var error));
        Assert.Equal(As4MessageReader.Stage, error!.Stage);
        Assert.False(error.IsTransient);
        return error.Code;
    }

    private static string Mime(string envelope, string headers = "", params (string Id, string Type, string Body)[] attachments)
    {
        var text = new StringBuilder(headers);
        text.Append($"--{Boundary}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-ID: <root@cleiss>\r\n\r\n{envelope}\r\n");
        foreach (var (id, type, body) in attachments)
        {
            text.Append($"--{Boundary}\r\nContent-Type: {type}\r\nContent-ID: <{id}>\r\nContent-Transfer-Encoding: binary\r\n\r\n{body}\r\n");
        }
        text.Append($"--{Boundary}--\r\n");
        return text.ToString();
    }

    private static string MimeHeaders(string? start = "<root@cleiss>") =>
        $"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"{Boundary}\"; type=\"application/soap+xml\"{(start is null ? "" : $"; start=\"{start}\"")}\r\n\r\n";

    [Fact]
    public void A_bare_soap_envelope_is_read_into_the_ebms_model()
    {
        var message = Read(Envelope)!;

        Assert.Equal(As4Framing.Soap, message.Framing);
        Assert.Equal(As4SoapVersion.Soap12, message.SoapVersion);
        var user = message.Messaging!.UserMessages.Single();
        Assert.True(message.Messaging.MustUnderstand);
        Assert.Equal("m1@cleiss", user.MessageInfo!.MessageId);
        Assert.Equal("FR:AP0001", user.From!.PartyIds.Single().Value);
        Assert.Equal("urn:eu:europa:ec:dgempl:eessi:ir", user.To!.PartyIds.Single().Type);
        Assert.Equal("Send", user.Collaboration!.Action);
        Assert.Equal("case-1", user.Collaboration.ConversationId);
        Assert.Equal("application/xml", user.Parts.Single().MimeType);
        Assert.Null(message.Security);
        Assert.Empty(message.Body.Children);
    }

    [Fact]
    public void A_mime_message_with_headers_gives_its_parts()
    {
        var message = Read(Mime(Envelope, MimeHeaders(), ("sed@cleiss", "application/xml", "<sed/>")))!;

        Assert.Equal(As4Framing.Mime, message.Framing);
        Assert.Equal("root@cleiss", message.SoapPart!.ContentId);
        var attachment = message.Attachments.Single();
        Assert.Equal("sed@cleiss", attachment.ContentId);
        Assert.Equal("application/xml", attachment.ContentType);
        Assert.Equal(6, attachment.Size);
        Assert.Equal("<sed/>"u8.ToArray(), attachment.Content.ToArray());
        Assert.Empty(message.Notes);
    }

    [Fact]
    public void An_http_request_capture_with_a_chunked_mime_body_is_read()
    {
        var body = Mime(Envelope, "", ("sed@cleiss", "application/xml", "<sed/>"));
        var chunked = $"{body.Length - 10:x}\r\n{body[..^10]}\r\n{10:x}\r\n{body[^10..]}\r\n0\r\n\r\n";
        var capture = $"POST /as4 HTTP/1.1\r\nHost: ap.example\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/related;\r\n\tboundary=\"{Boundary}\"; type=\"application/soap+xml\"\r\n\r\n{chunked}";

        var message = Read(capture)!;

        Assert.Equal(As4Framing.HttpMime, message.Framing);
        Assert.Equal("POST /as4 HTTP/1.1", message.StartLine);
        Assert.Single(message.Attachments);
    }

    [Fact]
    public void A_payload_reference_without_its_attachment_is_noted()
    {
        var message = Read(Mime(Envelope, MimeHeaders()))!;

        Assert.Contains(message.Notes, n => n.Contains("cid:sed@cleiss names no attachment", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dtd_in_the_envelope_is_refused()
    {
        const string Laughs = """<?xml version="1.0"?><!DOCTYPE S12:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>""";

        Assert.Equal(ExchangeErrors.IngestDtdProhibited, Refused(Laughs + Envelope[Envelope.IndexOf("<S12:Envelope", StringComparison.Ordinal)..]));
        Assert.Equal(ExchangeErrors.IngestDtdProhibited, Refused(Mime(Laughs + """<S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope"><S12:Body>&b;</S12:Body></S12:Envelope>""", MimeHeaders())));
    }

    [Fact]
    public void Too_many_parts_are_refused_before_mime_parsing()
    {
        var parts = Enumerable.Range(0, 40).Select(i => ($"p{i}@x", "application/octet-stream", "x")).ToArray();

        Assert.Equal(ExchangeErrors.As4MimeTooManyParts, Refused(Mime(Envelope, MimeHeaders(), parts)));
        Assert.Equal(ExchangeErrors.As4MimeTooManyParts, Refused(Mime(Envelope, MimeHeaders(), parts[..3]), new As4ReaderLimits { MaxParts = 3 }));
    }

    [Fact]
    public void An_oversized_part_or_message_is_refused()
    {
        var big = new string('A', 4096);

        Assert.Equal(ExchangeErrors.As4MimePartTooLarge, Refused(Mime(Envelope, MimeHeaders(), ("big@x", "application/octet-stream", big)), new As4ReaderLimits { MaxPartBytes = 4000 }));
        Assert.Equal(ExchangeErrors.As4TooLarge, Refused(Mime(Envelope, MimeHeaders(), ("big@x", "application/octet-stream", big)), new As4ReaderLimits { MaxMessageBytes = 4096 }));
    }

    [Fact]
    public void A_missing_start_part_is_refused()
    {
        Assert.Equal(ExchangeErrors.As4MimeNoStartPart, Refused(Mime(Envelope, MimeHeaders("<nowhere@x>"))));
        var rootNotSoap = $"{MimeHeaders(null)}--{Boundary}\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n--{Boundary}--\r\n";
        Assert.Equal(ExchangeErrors.As4MimeNoStartPart, Refused(rootNotSoap));
        Assert.Equal(ExchangeErrors.As4MimeNoStartPart, Refused($"{MimeHeaders(null)}preamble only\r\n--{Boundary}--\r\n"));
    }

    [Fact]
    public void A_truncated_mime_message_is_refused()
    {
        var whole = Mime(Envelope, MimeHeaders(), ("sed@cleiss", "application/xml", "<sed/>"));

        Assert.Equal(ExchangeErrors.As4MimeTruncated, Refused(whole[..(whole.Length / 2)]));
        Assert.Equal(ExchangeErrors.As4MimeTruncated, Refused(whole[..whole.LastIndexOf("--", StringComparison.Ordinal)]));
    }

    [Fact]
    public void Every_prefix_of_a_message_is_read_or_refused_without_throwing()
    {
        var whole = Encoding.UTF8.GetBytes("HTTP/1.1 200 OK\r\n" + MimeHeaders() + Mime(Envelope, "", ("sed@cleiss", "application/xml", "<sed/>"))[..]);
        for (var length = 0; length <= whole.Length; length += 7)
        {
            Read(whole[..length], null, out _);
        }
    }

    [Fact]
    public void Random_bytes_are_refused_without_throwing()
    {
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            Assert.Null(Read(bytes, null, out _));
        }
    }

    [Theory]
    [InlineData("", ExchangeErrors.As4UnrecognisedFormat)]
    [InlineData("\u00ff\u00fe binary", ExchangeErrors.As4UnrecognisedFormat)]
    [InlineData("just some text\r\n\r\n", ExchangeErrors.As4UnrecognisedFormat)]
    [InlineData("Content-Type: text/xml\r\nno colon here\r\n\r\n<x/>", ExchangeErrors.As4HttpMalformed)]
    [InlineData("Content-Type: text/xml\r\n", ExchangeErrors.As4HttpMalformed)]
    [InlineData("Content-Type: application/pdf\r\n\r\n%PDF", ExchangeErrors.As4UnrecognisedFormat)]
    [InlineData("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n", ExchangeErrors.As4MimeMalformed)]
    [InlineData("Content-Type: multipart/related\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n", ExchangeErrors.As4MimeMalformed)]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Type: text/xml\r\n\r\n5\r\n<x/>", ExchangeErrors.As4HttpMalformed)]
    [InlineData("<sbdh:StandardBusinessDocument xmlns:sbdh=\"urn:x\"/>", ExchangeErrors.As4NotSoapEnvelope)]
    [InlineData("<S12:Envelope xmlns:S12=\"http://www.w3.org/2003/05/soap-envelope\"><S12:Header/></S12:Envelope>", ExchangeErrors.As4NotSoapEnvelope)]
    [InlineData("<S12:Envelope xmlns:S12=\"http://www.w3.org/2003/05/soap-envelope\"><S12:Body>", ExchangeErrors.IngestMalformedXml)]
    public void Input_that_is_not_an_as4_message_gets_its_code(string text, string code)
    {
        Assert.Equal(code, Refused(text));
    }

    [Fact]
    public void A_nested_multipart_is_refused()
    {
        var nested = $"{MimeHeaders(null)}--{Boundary}\r\nContent-Type: application/soap+xml\r\n\r\n{Envelope}\r\n--{Boundary}\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner--\r\n\r\n--{Boundary}--\r\n";

        Assert.Equal(ExchangeErrors.As4MimeMalformed, Refused(nested));
    }

    [Fact]
    public void A_deeply_nested_envelope_hits_the_xml_limits()
    {
        var deep = string.Concat(Enumerable.Repeat("<a>", 100)) + string.Concat(Enumerable.Repeat("</a>", 100));

        Assert.Equal(ExchangeErrors.IngestLimitExceeded, Refused($"""<S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope"><S12:Body>{deep}</S12:Body></S12:Envelope>"""));
    }

    [Fact]
    public void Every_as4_code_has_a_catalogue_entry_in_both_languages()
    {
        foreach (var code in ExchangeErrors.All.Keys.Where(c => c.StartsWith("AS4.", StringComparison.Ordinal)))
        {
            var definition = ExchangeErrors.All[code];
            Assert.NotEqual(definition.Title, definition.TitleFr);
        }
        Assert.Equal(18, ExchangeErrors.All.Keys.Count(c => c.StartsWith("AS4.", StringComparison.Ordinal))); // 9 reader codes, 7 signature codes, decryption and decompression
    }
}
