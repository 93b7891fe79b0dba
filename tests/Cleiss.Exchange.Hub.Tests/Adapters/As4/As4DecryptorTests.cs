using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// Decryption of AS4 attachments (sign, then encrypt): the signed digest is checked over the decrypted content; a
/// wrong key or a changed ciphertext byte is FailedDecryption (EBMS:0102); a gzip bomb is refused (S24).
/// </summary>
public sealed class As4DecryptorTests
{
    private static readonly X509Certificate2 Sender = As4TestSigner.NewCertificate(name: "CN=sender");
    private static readonly X509Certificate2 Recipient = As4TestSigner.NewCertificate(name: "CN=recipient");

    private static As4Message Read(byte[] bytes) => As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out _)!;

    private static As4Message Encrypted(Func<byte[], byte[]>? tamper = null)
    {
        var (envelope, cipher) = As4TestSigner.Encrypt(As4TestSigner.Sign(Sender), Recipient);
        return Read(As4TestSigner.Mime(envelope, tamper is null ? cipher : tamper(cipher)));
    }

    [Fact]
    public void A_signed_then_encrypted_attachment_decrypts_and_its_signed_digest_verifies()
    {
        var message = Encrypted();
        Assert.Equal(As4ReferenceStatus.AttachmentEncrypted, WsSecurityVerifier.Verify(message).References[2].Status);
        Assert.Equal("AS4.SIGNATURE_REFERENCE", WsSecurityVerifier.Verify(message).Code);

        using var key = Recipient.GetRSAPrivateKey()!;
        var decrypted = As4Decryptor.TryDecrypt(message, key, out var error);

        Assert.Null(error);
        var attachment = decrypted!.Attachments.Single();
        Assert.True(attachment.Decrypted);
        Assert.Equal(As4TestSigner.Attachment, attachment.Content.ToArray());
        var result = WsSecurityVerifier.Verify(decrypted);
        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(As4ReferenceStatus.Valid, result.References[2].Status);
    }

    [Fact]
    public void A_wrong_key_or_a_changed_ciphertext_byte_is_FailedDecryption_EBMS_0102()
    {
        using var wrongKey = As4TestSigner.NewCertificate(name: "CN=other").GetRSAPrivateKey()!;
        using var key = Recipient.GetRSAPrivateKey()!;

        Assert.Null(As4Decryptor.TryDecrypt(Encrypted(), wrongKey, out var wrong));
        Assert.Null(As4Decryptor.TryDecrypt(Encrypted(c => { c[20] ^= 1; return c; }), key, out var tampered));

        Assert.Equal("AS4.DECRYPTION_FAILED", wrong!.Code);
        Assert.Equal("AS4.DECRYPTION_FAILED", tampered!.Code);
        Assert.Equal("EBMS:0102", WsSecurityVerifier.EbmsCode(tampered.Code));
        Assert.Contains("tag", tampered.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cipher_reference_outside_the_message_is_refused_without_a_fetch_S22()
    {
        var (envelope, cipher) = As4TestSigner.Encrypt(As4TestSigner.Sign(Sender), Recipient);
        var message = Read(As4TestSigner.Mime(envelope.Replace("URI=\"cid:sed@cleiss\"><xenc:Transforms>", "URI=\"http://attacker.example/x\"><xenc:Transforms>", StringComparison.Ordinal), cipher));
        using var key = Recipient.GetRSAPrivateKey()!;

        Assert.Null(As4Decryptor.TryDecrypt(message, key, out var error));
        Assert.Equal("AS4.DECRYPTION_FAILED", error!.Code);
    }

    [Fact]
    public void A_gzip_bomb_is_refused_at_the_cap_and_garbage_is_not_gzip_S24()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[4 * 1024 * 1024]);
        }

        Assert.Null(As4Decryptor.TryGunzip(compressed.ToArray(), 1024 * 1024, out var bomb));
        Assert.Equal("AS4.DECOMPRESSION_FAILED", bomb!.Code);
        Assert.Equal("EBMS:0303", WsSecurityVerifier.EbmsCode(bomb.Code));
        Assert.Equal(4 * 1024 * 1024, As4Decryptor.TryGunzip(compressed.ToArray(), 8 * 1024 * 1024, out _)!.Length);
        Assert.Null(As4Decryptor.TryGunzip(RandomNumberGenerator.GetBytes(100), 1024, out var garbage));
        Assert.Equal("AS4.DECOMPRESSION_FAILED", garbage!.Code);
    }
}
