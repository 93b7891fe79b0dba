using System.IO.Compression;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>Outbound user messages, read back by the hub's own AS4 reader (the reader is tested against real messages).</summary>
public sealed class As4MessageBuilderTests
{
    private static readonly As4PMode PMode = new() { Id = "eessi-push-be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };

    private static As4UserMessageRequest Request(string conversation = "FR-2026-LA01-000123") => new(
        "0b1c2d3e@cleiss.fr", new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), "FR:CLEISS0002", "BE:ONSS00001", conversation,
        Builders.Sample("valid/A001-outbound-1.xml"),
        MessageProperties: [new("originalSender", "FR:CLEISS0002"), new("finalRecipient", "BE:ONSS00001")]);

    private static (As4Message Message, As4OutboundMessage Sent) RoundTrip(As4PMode pmode, As4UserMessageRequest request)
    {
        var sent = As4MessageBuilder.UserMessage(pmode, request);
        var wire = Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray();
        var message = As4MessageReader.TryRead(wire, new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail);
        Assert.StartsWith("multipart/related;", sent.ContentType, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', sent.ContentType);
        return (message!, sent);
    }

    [Fact]
    public void A_user_message_carries_the_EESSI_header_and_the_SED_as_a_gzip_attachment()
    {
        var (message, sent) = RoundTrip(PMode, Request());

        Assert.Equal(As4SoapVersion.Soap12, message.SoapVersion);
        var user = Assert.Single(message.Messaging!.UserMessages);
        Assert.True(message.Messaging.MustUnderstand);
        Assert.Equal(As4MessageBuilder.MessagingId, message.Messaging.Id);
        Assert.Equal(As4MessageBuilder.BodyId, message.Body.Id);
        Assert.Empty(message.Body.Children);
        Assert.Equal("0b1c2d3e@cleiss.fr", user.MessageInfo!.MessageId);
        Assert.Equal("2026-11-26T10:00:00.000Z", user.MessageInfo.Timestamp);
        Assert.Equal(("FR:CLEISS0002", As4PMode.EessiPartyIdType), (user.From!.PartyIds[0].Value, user.From.PartyIds[0].Type));
        Assert.Equal(("BE:ONSS00001", As4PMode.EessiRole), (user.To!.PartyIds[0].Value, user.To.Role));
        Assert.Equal(("BusinessMessaging", As4PMode.EessiServiceType, "Send", "FR-2026-LA01-000123"),
            (user.Collaboration!.Service, user.Collaboration.ServiceType, user.Collaboration.Action, user.Collaboration.ConversationId));
        Assert.Equal(["originalSender", "finalRecipient"], user.MessageProperties.Select(p => p.Name));
        var part = Assert.Single(user.Parts);
        Assert.Equal("cid:" + sent.PayloadContentId, part.Href);
        Assert.Equal(("application/xml", "application/gzip"), (part.MimeType, part.CompressionType));
        Assert.Contains(part.Properties, p => p.Name == "PartType" && p.Value == "SED");

        var attachment = Assert.Single(message.Attachments);
        Assert.Equal(sent.PayloadContentId, attachment.ContentId);
        using var gunzip = new GZipStream(new MemoryStream(attachment.Content.ToArray()), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gunzip.CopyTo(plain);
        Assert.Equal(Builders.Sample("valid/A001-outbound-1.xml"), plain.ToArray());
    }

    [Fact]
    public void Multi_hop_headers_are_written_when_the_P_Mode_says_so_and_not_otherwise()
    {
        var (multiHop, _) = RoundTrip(PMode, Request());
        var (direct, _) = RoundTrip(new As4PMode { Id = "d", AccessPointId = "BE:AP0001", Url = "https://be.example/as4", MultiHop = false, Compress = false }, Request());

        Assert.Equal((As4RoutingInput.ICloud, As4RoutingInput.NextMsh, As4RoutingInput.OneWayRequest), (multiHop.MultiHop!.To, multiHop.MultiHop.ToRole, multiHop.MultiHop.Action));
        Assert.Null(direct.MultiHop);
        Assert.Null(Assert.Single(direct.Messaging!.UserMessages[0].Parts).CompressionType);
        Assert.Equal(Builders.Sample("valid/A001-outbound-1.xml"), Assert.Single(direct.Attachments).Content.ToArray());
    }

    [Fact]
    public void A_message_id_with_characters_MIME_ids_do_not_allow_still_gives_a_readable_attachment_reference()
    {
        var (message, sent) = RoundTrip(PMode, Request() with { MessageId = "b5c0b1a2@FR:AP0001 x" });

        Assert.Equal("b5c0b1a2@FR:AP0001 x", message.Messaging!.UserMessages[0].MessageInfo!.MessageId);
        Assert.Equal("sed-b5c0b1a2@FR-AP0001-x", sent.PayloadContentId);
        Assert.Equal(sent.PayloadContentId, Assert.Single(message.Attachments).ContentId);
    }

    [Fact]
    public void Values_are_escaped_never_spliced_into_the_XML()
    {
        var (message, _) = RoundTrip(PMode, Request(conversation: "case<&\"'>]]>"));
        Assert.Equal("case<&\"'>]]>", message.Messaging!.UserMessages[0].Collaboration!.ConversationId);
    }

    [Fact]
    public void The_P_Mode_validator_names_each_bad_field()
    {
        var options = new As4Options
        {
            PModes =
            [
                new As4PMode { Id = "ok", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" },
                new As4PMode { Id = "ok", AccessPointId = "BE:AP0001", Url = "http://be.example/as4", SignatureAlgorithm = "http://www.w3.org/2000/09/xmldsig#rsa-sha1", RetryCount = -1 },
                new As4PMode { Id = "loopback", AccessPointId = "nope", Url = "http://127.0.0.1:5181/as4", Action = " " },
            ],
        };

        var result = new As4PModeValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("PModes:1 (ok): Id is missing or used twice", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:1 (ok): a second P-Mode for BE:AP0001", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:1 (ok): Url must be an absolute https URL", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:1 (ok): SignatureAlgorithm", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:1 (ok): RetryCount", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:2 (loopback): AccessPointId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:2 (loopback): Action is empty", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("PModes:2 (loopback): Url", StringComparison.Ordinal)); // http on loopback is allowed
        Assert.False(new As4PModeValidator().Validate(null, new As4Options { PModes = [options.PModes[0]] }).Failed);
    }
}
