using System.Text;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// HOSTILE-INPUTS H14 at the hub's /as4 endpoint: 10k MIME parts, huge part headers and boundary tricks hit the
/// reader's caps and are refused with MimeInconsistency (EBMS:0007) in an error signal signed by the hub; nothing is
/// stored, and the hub still accepts a valid message afterwards.
/// </summary>
public sealed class As4HostileMimeReceiveTests : IClassFixture<HubRig>
{
    private const string Boundary = "h14-boundary";
    private readonly As4HostileSender _sender;

    public As4HostileMimeReceiveTests(HubRig rig) => _sender = new As4HostileSender(rig);

    private static string ContentType(string boundary = Boundary) =>
        $"multipart/related; boundary=\"{boundary}\"; type=\"application/soap+xml\"; start=\"<soap@be.example>\"";

    private static string Part(string id, string type, string body, string headers = "", string boundary = Boundary) =>
        $"--{boundary}\r\nContent-Type: {type}\r\nContent-ID: <{id}>\r\n{headers}\r\n{body}\r\n";

    /// <summary>A validly signed message's SOAP part and SED part, as MIME text (the SED is XML text, so it fits in a string).</summary>
    private (As4HostileSender.Draft Draft, string Soap, string Sed) Signed(string boundary = Boundary)
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);
        return (draft, Part("soap@be.example", "application/soap+xml; charset=UTF-8", envelope, boundary: boundary),
            Part(draft.PayloadId, "application/xml", Encoding.UTF8.GetString(sed.Content), "Content-Transfer-Encoding: binary\r\n", boundary));
    }

    private async Task<As4HostileSender.Answer> PostAsync(string body, string? contentType = null) =>
        await _sender.PostAsync(contentType ?? ContentType(), Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task H14_ten_thousand_MIME_parts_are_refused_by_the_part_cap_and_the_hub_stays_up()
    {
        var (draft, soap, sed) = Signed();
        var body = new StringBuilder(soap).Append(sed);
        for (var i = 0; i < 10_000; i++)
        {
            body.Append(Part($"p{i}@x", "application/octet-stream", "x"));
        }

        var answer = await PostAsync(body.Append($"--{Boundary}--\r\n").ToString());

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0007", draft);
        Assert.Contains("AS4.MIME_TOO_MANY_PARTS", Assert.Single(answer.Signal.Errors).Description, StringComparison.Ordinal);
        await _sender.AssertStillAcceptsAsync();
    }

    [Theory]
    [InlineData("long-line")] // one 1 MiB header line in the SED part
    [InlineData("many-lines")] // 5,000 header lines
    [InlineData("folded")] // one header folded over 5,000 continuation lines
    public async Task H14_huge_part_headers_are_refused_by_the_header_caps(string shape)
    {
        var (draft, soap, _) = Signed();
        var headers = shape switch
        {
            "long-line" => $"X-Junk: {new string('a', 1024 * 1024)}\r\n",
            "many-lines" => string.Concat(Enumerable.Range(0, 5_000).Select(i => $"X-H{i}: v\r\n")),
            _ => "X-Folded: start\r\n" + string.Concat(Enumerable.Repeat(" more\r\n", 5_000)),
        };
        var sed = Part(draft.PayloadId, "application/xml", Encoding.UTF8.GetString(draft.Sed), headers);

        var answer = await PostAsync(soap + sed + $"--{Boundary}--\r\n");

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0007", draft);
        Assert.Contains("AS4.MIME_MALFORMED", Assert.Single(answer.Signal.Errors).Description, StringComparison.Ordinal);
        await _sender.AssertStillAcceptsAsync();
    }

    [Theory]
    [InlineData("no-closing-delimiter", "AS4.MIME_TRUNCATED")]
    [InlineData("boundary-over-70-characters", "AS4.MIME_MALFORMED")]
    [InlineData("no-boundary-parameter", "AS4.MIME_MALFORMED")]
    [InlineData("boundary-only-in-the-preamble", "AS4.MIME_NO_START_PART")]
    public async Task H14_boundary_tricks_are_refused_with_MimeInconsistency(string trick, string code)
    {
        var longBoundary = new string('b', 71);
        var (draft, soap, sed) = Signed(trick == "boundary-over-70-characters" ? longBoundary : Boundary);
        var (body, contentType) = trick switch
        {
            "no-closing-delimiter" => (soap + sed, ContentType()),
            "boundary-over-70-characters" => (soap + sed + $"--{longBoundary}--\r\n", ContentType(longBoundary)),
            "no-boundary-parameter" => (soap + sed + $"--{Boundary}--\r\n", "multipart/related; type=\"application/soap+xml\""),
            _ => ($"preamble mentioning {Boundary}\r\n--{Boundary}--\r\n" + soap.Replace($"--{Boundary}", "--other", StringComparison.Ordinal), ContentType()),
        };

        var answer = await PostAsync(body, contentType);

        await _sender.AssertRefusedAsync(answer, 400, "EBMS:0007", draft);
        Assert.Contains(code, Assert.Single(answer.Signal.Errors).Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task H14_a_part_hidden_after_the_closing_delimiter_is_never_read()
    {
        var (draft, soap, sed) = Signed();
        var hidden = Part("hidden@x", "application/xml", "<evil/>") + $"--{Boundary}--\r\n";

        var answer = await PostAsync(soap + sed + $"--{Boundary}--\r\n" + hidden);

        // The epilogue is outside the message (RFC 2046): the signed message is accepted and the hidden part ignored.
        Assert.Equal(200, answer.Status);
        Assert.NotNull(answer.Signal.Receipt);
        Assert.Equal(draft.MessageId, answer.Signal.MessageInfo!.RefToMessageId);
    }
}
