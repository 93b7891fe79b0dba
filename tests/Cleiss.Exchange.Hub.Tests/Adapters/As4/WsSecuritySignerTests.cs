using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// The WS-Security signature of outbound user messages, checked independently of the hub's own C14N: the
/// platform's exclusive C14N transform recomputes SignedInfo and every XML reference; the attachment digest is
/// recomputed from the part as the hub's reader gets it back.
/// </summary>
public sealed class WsSecuritySignerTests : IDisposable
{
    private static readonly As4PMode PMode = new() { Id = "eessi-push-be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static As4UserMessageRequest Request() => new(
        "m-1@cleiss.fr", DateTimeOffset.UnixEpoch, "FR:CLEISS0002", "BE:ONSS00001", "FR-2026-LA01-000123", Builders.Sample("valid/A001-outbound-1.xml"));

    private static byte[] PlatformExcC14N(XmlNode node)
    {
        var transform = new XmlDsigExcC14NTransform();
        var nodes = new XmlDocument();
        nodes.LoadXml(node.OuterXml); // a document subset as its own document: exclusive C14N renders only what it uses
        transform.LoadInput(nodes);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var copy = new MemoryStream();
        output.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Verifies the message the way an independent verifier would; returns the first problem, or null.</summary>
    private static string? Verify(As4OutboundMessage sent, X509Certificate2 trusted)
    {
        var wire = Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray();
        var message = As4MessageReader.TryRead(wire, new As4ReaderLimits(), out var error) ?? throw new InvalidOperationException(error!.Detail);
        var envelope = new XmlDocument { PreserveWhitespace = true };
        envelope.LoadXml(sent.Envelope);
        var ns = new XmlNamespaceManager(envelope.NameTable);
        ns.AddNamespace("ds", As4Namespaces.Dsig);
        ns.AddNamespace("wsu", As4Namespaces.Wsu);
        ns.AddNamespace("wsse", As4Namespaces.Wsse);
        var signedInfo = envelope.SelectSingleNode("//ds:Signature/ds:SignedInfo", ns)!;
        foreach (XmlElement reference in signedInfo.SelectNodes("ds:Reference", ns)!)
        {
            var uri = reference.GetAttribute("URI");
            var expected = reference.SelectSingleNode("ds:DigestValue", ns)!.InnerText;
            var actual = uri.StartsWith('#')
                ? SHA256.HashData(PlatformExcC14N(envelope.SelectSingleNode($"//*[@wsu:Id='{uri[1..]}']", ns)!))
                : SHA256.HashData(message.Attachments.Single(a => "cid:" + a.ContentId == uri).Content.Span);
            if (Convert.ToBase64String(actual) != expected)
            {
                return $"digest of {uri}";
            }
        }
        var token = envelope.SelectSingleNode("//wsse:BinarySecurityToken", ns)!.InnerText;
        if (token != Convert.ToBase64String(trusted.RawData))
        {
            return "token";
        }
        var value = Convert.FromBase64String(envelope.SelectSingleNode("//ds:Signature/ds:SignatureValue", ns)!.InnerText);
        using var rsa = trusted.GetRSAPublicKey()!;
        return rsa.VerifyData(PlatformExcC14N(signedInfo), value, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1) ? null : "signature value";
    }

    [Fact]
    public void A_signed_user_message_covers_the_header_the_body_and_the_attachment_and_verifies_independently()
    {
        var key = Builders.Key(_folder, "FR:AP0001");

        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);

        Assert.Equal(["#" + WsSecuritySigner.TimestampId, "#" + As4MessageBuilder.MessagingId, "#" + As4MessageBuilder.BodyId, "#" + As4RoutingInput.ToId, "#" + As4RoutingInput.ActionId, "cid:" + sent.PayloadContentId], sent.SignedReferences.Select(r => r.Uri));
        Assert.Null(Verify(sent, key.Certificate));
        var read = As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray(), new As4ReaderLimits(), out _)!;
        var signature = Assert.Single(read.Security!.Signatures);
        Assert.Equal(As4KeyReferenceKind.BinarySecurityToken, signature.KeyReference.Kind);
        Assert.Equal(sent.SignedReferences.Select(r => (r.Uri, r.DigestValue)), signature.References.Select(r => (r.Uri, r.DigestValue)));
    }

    [Fact]
    public void A_changed_header_value_or_another_key_fails_the_independent_check()
    {
        var key = Builders.Key(_folder, "FR:AP0001");
        var other = Builders.Key(_folder, "XX:OTHER01");
        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);

        var tampered = sent with { Envelope = sent.Envelope.Replace("FR-2026-LA01-000123", "FR-2026-LA01-000124", StringComparison.Ordinal) };

        Assert.Equal("digest of #" + As4MessageBuilder.MessagingId, Verify(tampered, key.Certificate));
        Assert.Equal("token", Verify(sent, other.Certificate));
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ecdsa")]
    public void The_hubs_verifier_accepts_what_the_hubs_signer_writes_and_refuses_a_changed_attachment(string algorithm)
    {
        var store = new SigningKeyStore(Builders.Hub(_folder.Path), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SigningKeyStore>.Instance);
        var key = store.Generate("FR:AP0002", algorithm);
        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);
        As4Message Read(byte[] body) => As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(body).ToArray(), new As4ReaderLimits(), out _)!;

        var valid = WsSecurityVerifier.Verify(Read(sent.Body), new As4VerificationKeys { Override = key.Certificate });
        var body = (byte[])sent.Body.Clone();
        body[^60] ^= 0x01; // a byte of the gzip attachment, near the end of the MIME body
        var changed = WsSecurityVerifier.Verify(Read(body), new As4VerificationKeys { Override = key.Certificate });

        Assert.True(valid.IsValid, valid.Error?.Detail);
        Assert.False(changed.IsValid);
        Assert.Equal("EBMS:0101", WsSecurityVerifier.EbmsCode(changed.Code!));
    }
}
