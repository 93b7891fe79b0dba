using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// H14 and S23 at the MIME reader (the /as4 endpoint tests show the same through HTTP): 10k parts, huge part headers and
/// boundary tricks are refused by the caps before or after MimeKit, nothing thrown; foreign Content-IDs with ':' resolve.
/// </summary>
public sealed class As4MimeHostileTests
{
    private const string Boundary = "MIMEBoundary_h14";

    private static string Envelope(string href) =>
        """<S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope" xmlns:eb="http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/">"""
        + """<S12:Header><eb:Messaging><eb:UserMessage><eb:MessageInfo><eb:Timestamp>2026-11-26T10:00:00Z</eb:Timestamp><eb:MessageId>m1@cleiss</eb:MessageId></eb:MessageInfo>"""
        + $"""<eb:PayloadInfo><eb:PartInfo href="{href}"/></eb:PayloadInfo></eb:UserMessage></eb:Messaging></S12:Header><S12:Body/></S12:Envelope>""";

    private static string Headers(string boundary = Boundary, string start = "<root@cleiss>") =>
        $"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"{boundary}\"; type=\"application/soap+xml\"; start=\"{start}\"\r\n\r\n";

    private static string Part(string id, string type, string body, string extraHeaders = "", string boundary = Boundary) =>
        $"--{boundary}\r\nContent-Type: {type}\r\nContent-ID: <{id}>\r\n{extraHeaders}\r\n{body}\r\n";

    private static As4Message? Read(string text, out ExchangeError? error)
    {
        As4Message? message = null;
        ExchangeError? found = null;
        Assert.Null(Record.Exception(() => message = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(text), new As4ReaderLimits(), out found)));
        error = found;
        return message;
    }

    [Theory]
    [InlineData("urn:uuid:4c8f2a1e-3b7d-4f5a-9e21-0d6c8b7a5f43")]
    [InlineData("part:1@sender.example")]
    [InlineData("attachment:sed")]
    [InlineData("sed@host.example:8080")]
    [InlineData("urn:oasis:names:tc:ebxml-msg:part:1", false)]
    [InlineData("a:b@c", false)]
    public void A_foreign_Content_ID_with_colons_is_kept_whole_and_the_PartInfo_resolves_to_it(string id, bool brackets = true)
    {
        var text = Headers() + Part("root@cleiss", "application/soap+xml", Envelope("cid:" + id))
            + $"--{Boundary}\r\nContent-Type: application/xml\r\nContent-ID: {(brackets ? $"<{id}>" : id)}\r\n\r\n<a/>\r\n" + $"--{Boundary}--\r\n";

        var message = Read(text, out var error);

        Assert.True(message is not null, error?.Detail);
        Assert.Equal(id, Assert.Single(message!.Attachments).ContentId);
        Assert.DoesNotContain(message.Notes, n => n.Contains("names no attachment", StringComparison.Ordinal));
    }

    [Fact]
    public void A_start_parameter_with_colons_finds_its_root_part()
    {
        const string root = "urn:uuid:root-1";
        var text = Headers(start: $"<{root}>") + Part(root, "application/soap+xml", Envelope("cid:a@b")) + Part("a@b", "application/xml", "<a/>") + $"--{Boundary}--\r\n";

        Assert.True(Read(text, out var error) is not null, error?.Detail);
    }

    [Fact]
    public void H14_ten_thousand_parts_are_refused_before_MimeKit_parses_with_bounded_allocation()
    {
        var text = new StringBuilder(Headers()).Append(Part("root@cleiss", "application/soap+xml", Envelope("cid:p0")));
        for (var i = 0; i < 10_000; i++)
        {
            text.Append(Part($"p{i}", "application/octet-stream", "x"));
        }
        var bytes = Encoding.UTF8.GetBytes(text.Append($"--{Boundary}--\r\n").ToString());

        var before = GC.GetAllocatedBytesForCurrentThread();
        var message = As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(message);
        Assert.Equal("AS4.MIME_TOO_MANY_PARTS", error!.Code);
        Assert.True(allocated < bytes.Length / 4, $"{allocated} bytes allocated for a {bytes.Length}-byte message: the parts were parsed");
    }

    [Fact]
    public void H14_a_huge_part_header_line_is_refused()
    {
        var text = Headers() + Part("root@cleiss", "application/soap+xml", Envelope("cid:a@b"))
            + Part("a@b", "application/xml", "<a/>", $"X-Junk: {new string('a', 1024 * 1024)}\r\n") + $"--{Boundary}--\r\n";

        Assert.Null(Read(text, out var error));
        Assert.Equal("AS4.MIME_MALFORMED", error!.Code);
    }

    [Fact]
    public void H14_too_many_part_header_lines_are_refused()
    {
        var headers = string.Concat(Enumerable.Range(0, 5_000).Select(i => $"X-H{i}: v\r\n"));
        var text = Headers() + Part("root@cleiss", "application/soap+xml", Envelope("cid:a@b")) + Part("a@b", "application/xml", "<a/>", headers) + $"--{Boundary}--\r\n";

        Assert.Null(Read(text, out var error));
        Assert.Equal("AS4.MIME_MALFORMED", error!.Code);
    }

    [Theory]
    [InlineData("boundary-prefix")] // a line "--<boundary>X" inside a part: not a delimiter for the scan; MimeKit must agree
    [InlineData("delimiter-with-junk")] // "--<boundary> junk": the scan and MimeKit must agree on the part count
    [InlineData("no-close")] // truncated: the closing delimiter is missing
    [InlineData("epilogue-part")] // a part after the closing delimiter is never read as an attachment
    [InlineData("long-boundary")] // a boundary over the RFC 2046 70-character limit
    public void H14_boundary_tricks_are_refused_or_never_yield_a_hidden_part(string trick)
    {
        var boundary = trick == "long-boundary" ? new string('b', 150) : Boundary;
        var soap = Part("root@cleiss", "application/soap+xml", Envelope("cid:a@b"), boundary: boundary);
        var text = trick switch
        {
            "boundary-prefix" => Headers() + soap + Part("a@b", "application/xml", $"<a/>\r\n--{Boundary}X\r\nContent-Type: application/xml\r\nContent-ID: <hidden@x>\r\n\r\n<evil/>") + $"--{Boundary}--\r\n",
            "delimiter-with-junk" => Headers() + soap + $"--{Boundary} junk\r\nContent-Type: application/xml\r\nContent-ID: <hidden@x>\r\n\r\n<evil/>\r\n" + Part("a@b", "application/xml", "<a/>") + $"--{Boundary}--\r\n",
            "no-close" => Headers() + soap + Part("a@b", "application/xml", "<a/>"),
            "epilogue-part" => Headers() + soap + Part("a@b", "application/xml", "<a/>") + $"--{Boundary}--\r\n" + Part("hidden@x", "application/xml", "<evil/>") + $"--{Boundary}--\r\n",
            _ => Headers(boundary) + soap + Part("a@b", "application/xml", "<a/>", boundary: boundary) + $"--{boundary}--\r\n",
        };

        var message = Read(text, out var error);

        if (message is null)
        {
            Assert.True(error!.Code.StartsWith("AS4.MIME_", StringComparison.Ordinal) || error.Code == "INGEST.MALFORMED_XML", error.Code + ": " + error.Detail);
            return;
        }
        Assert.DoesNotContain(message.Attachments, a => a.ContentId == "hidden@x");
        Assert.Equal("a@b", Assert.Single(message.Attachments).ContentId);
    }
}
