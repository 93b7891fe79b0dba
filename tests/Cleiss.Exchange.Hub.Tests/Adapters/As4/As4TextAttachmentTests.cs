using System.Security.Cryptography;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// A text/xml attachment signed by the hub (WsSecuritySigner) and verified by the hub (WsSecurityVerifier): the
/// Attachment-Content-Signature-Transform digests text/* in canonical CRLF form, so a MIME layer that rewrites the
/// line endings of a text part does not break the signature, while a changed byte still does.
/// </summary>
public sealed class As4TextAttachmentTests
{
    private static readonly As4PMode PMode = new() { Id = "eessi-push-be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };
    private static readonly byte[] LfText = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<note>\n  <line>one</line>\n  <line>two</line>\n</note>\n");

    private static (string Envelope, string ContentId, SigningCredentials Key) Signed(string mimeType)
    {
        using var rsa = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=hub", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var key = new SigningCredentials(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)), "hub");
        var unsigned = As4MessageBuilder.UserMessage(PMode, new As4UserMessageRequest("t-1@cleiss.fr", DateTimeOffset.UtcNow, "FR:CLEISS0002", "BE:ONSS00001", "case-1", LfText));
        var (envelope, _) = WsSecuritySigner.Sign(unsigned.Envelope, [new SignedAttachment(unsigned.PayloadContentId, LfText, mimeType)], key);
        return (envelope, unsigned.PayloadContentId, key);
    }

    private static byte[] Mime(string envelope, string contentId, string mimeType, byte[] content)
    {
        var text = new MemoryStream();
        void Write(string s) => text.Write(Encoding.UTF8.GetBytes(s));
        Write("Content-Type: multipart/related; boundary=\"b1\"; type=\"application/soap+xml\"; start=\"<root@t>\"\r\n\r\n");
        Write($"--b1\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-ID: <root@t>\r\n\r\n{envelope}\r\n");
        Write($"--b1\r\nContent-Type: {mimeType}; charset=UTF-8\r\nContent-ID: <{contentId}>\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        text.Write(content);
        Write("\r\n--b1--\r\n");
        return text.ToArray();
    }

    private static As4SignatureVerification Verify(byte[] wire, SigningCredentials key) =>
        WsSecurityVerifier.Verify(As4MessageReader.TryRead(wire, new As4ReaderLimits(), out var error) ?? throw new InvalidOperationException(error!.Detail),
            new As4VerificationKeys { Override = key.Certificate });

    [Theory]
    [InlineData("text/xml")]
    [InlineData("text/plain")]
    public void A_text_attachment_signed_by_the_hub_verifies_with_LF_or_with_the_CRLF_line_ends_a_MIME_layer_writes(string mimeType)
    {
        var (envelope, id, key) = Signed(mimeType);
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(LfText).Replace("\n", "\r\n", StringComparison.Ordinal));

        var asSent = Verify(Mime(envelope, id, mimeType, LfText), key);
        var rewritten = Verify(Mime(envelope, id, mimeType, crlf), key);

        Assert.True(asSent.IsValid, asSent.Detail);
        Assert.True(rewritten.IsValid, rewritten.Detail);
        Assert.NotEqual(SHA256.HashData(LfText), SHA256.HashData(crlf)); // a raw-octet digest would have failed here
    }

    [Fact]
    public void A_changed_byte_in_a_text_attachment_still_fails_the_digest()
    {
        var (envelope, id, key) = Signed("text/xml");
        var changed = (byte[])LfText.Clone();
        changed[Array.IndexOf(changed, (byte)'o')] = (byte)'0';

        var result = Verify(Mime(envelope, id, "text/xml", changed), key);

        Assert.False(result.IsValid);
        Assert.Equal("AS4.DIGEST_MISMATCH", result.Code);
    }

    [Fact]
    public void A_binary_attachment_is_digested_as_its_octets_and_CRLF_rewriting_breaks_it()
    {
        var (envelope, id, key) = Signed("application/xml");
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(LfText).Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.True(Verify(Mime(envelope, id, "application/xml", LfText), key).IsValid);
        Assert.Equal("AS4.DIGEST_MISMATCH", Verify(Mime(envelope, id, "application/xml", crlf), key).Code);
    }
}
