using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// S22 and S26 for the AS4 decryptor (the <c>cleiss as4</c> command uses it; the /as4 endpoint refuses encrypted
/// messages unread): a huge CipherValue is refused undecoded with bounded allocation, key-reference loops end in
/// FailedDecryption, and a message that decrypts but whose signature is broken still fails verification.
/// </summary>
public sealed class As4DecryptorHostileTests
{
    private static readonly X509Certificate2 Sender = As4TestSigner.NewCertificate(name: "CN=sender");
    private static readonly X509Certificate2 Recipient = As4TestSigner.NewCertificate(name: "CN=recipient");

    private static As4Message Read(byte[] bytes) => As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out var error) ?? throw new InvalidOperationException(error!.Detail);

    [Fact]
    public void S22_a_huge_CipherValue_in_the_EncryptedKey_is_refused_undecoded_with_bounded_allocation()
    {
        var (envelope, cipher) = As4TestSigner.Encrypt(As4TestSigner.Sign(Sender), Recipient);
        Message WithCipherValue(int length, char fill) => new(Read(As4TestSigner.Mime(
            Regex.Replace(envelope, "<xenc:CipherValue>[^<]*</xenc:CipherValue>", $"<xenc:CipherValue>{new string(fill, length)}</xenc:CipherValue>"), cipher)));
        var small = WithCipherValue(2_000, 'A'); // just over the limit: refused undecoded
        var huge = WithCipherValue(60_000, '!'); // not even base64: decoding it would fail with another error
        using var key = Recipient.GetRSAPrivateKey()!;
        ExchangeError? error = null;
        As4Decryptor.TryDecrypt(small.Value, key, out _); // warm-up (first calls allocate for the JIT and caches)
        As4Decryptor.TryDecrypt(huge.Value, key, out _);

        // The least of ten runs each (the private key's conversion to BouncyCastle varies by some KB per call).
        var smallBytes = Enumerable.Range(0, 10).Min(run => Allocated(() => As4Decryptor.TryDecrypt(small.Value, key, out _)));
        var hugeBytes = Enumerable.Range(0, 10).Min(run => Allocated(() => Assert.Null(As4Decryptor.TryDecrypt(huge.Value, key, out error))));

        Assert.Equal("AS4.DECRYPTION_FAILED", error!.Code);
        Assert.Equal("EBMS:0102", WsSecurityVerifier.EbmsCode(error.Code));
        // Refused on its length, before any decoding (a decode of '!' would have failed as not base64).
        Assert.Contains("CipherValue has 60000 characters", error.Detail, StringComparison.Ordinal);
        // And never copied: a copy of the 58,000 extra characters alone would be 116,000 bytes.
        Assert.True(hugeBytes < smallBytes + 80_000, $"{hugeBytes} bytes for the huge CipherValue, {smallBytes} for one just over the limit");
    }

    private sealed record Message(As4Message Value);

    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("#ek-1")] // the EncryptedKey lists itself
    [InlineData("#ek-2")] // two EncryptedKeys list each other
    public void S22_encrypted_keys_referencing_each_other_in_a_loop_end_in_FailedDecryption(string target)
    {
        var (envelope, cipher) = As4TestSigner.Encrypt(As4TestSigner.Sign(Sender), Recipient);
        var start = envelope.IndexOf("<xenc:EncryptedKey", StringComparison.Ordinal);
        var end = envelope.IndexOf("</xenc:EncryptedKey>", StringComparison.Ordinal) + "</xenc:EncryptedKey>".Length;
        var first = envelope[start..end].Replace("URI=\"#ed-1\"", $"URI=\"{target}\"", StringComparison.Ordinal);
        var second = envelope[start..end].Replace("Id=\"ek-1\"", "Id=\"ek-2\"", StringComparison.Ordinal).Replace("URI=\"#ed-1\"", "URI=\"#ek-1\"", StringComparison.Ordinal);
        var looped = envelope[..start] + first + (target == "#ek-2" ? second : "") + envelope[end..];
        using var key = Recipient.GetRSAPrivateKey()!;

        var result = As4Decryptor.TryDecrypt(Read(As4TestSigner.Mime(looped, cipher)), key, out var error);

        Assert.Null(result);
        Assert.Equal("AS4.DECRYPTION_FAILED", error!.Code);
        Assert.Contains("names no EncryptedData", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void S26_a_message_that_decrypts_but_whose_signature_is_broken_fails_verification_after_decryption()
    {
        var signed = As4TestSigner.Sign(Sender);
        var at = signed.IndexOf("<SignatureValue>", StringComparison.Ordinal) + "<SignatureValue>".Length;
        var broken = signed[..at] + (signed[at] == 'A' ? 'B' : 'A') + signed[(at + 1)..];
        var (envelope, cipher) = As4TestSigner.Encrypt(broken, Recipient);
        using var key = Recipient.GetRSAPrivateKey()!;

        var decrypted = As4Decryptor.TryDecrypt(Read(As4TestSigner.Mime(envelope, cipher)), key, out var error);
        var verification = WsSecurityVerifier.Verify(decrypted!, new As4VerificationKeys { Override = Sender });

        Assert.Null(error);
        Assert.True(decrypted!.Attachments.Single().Decrypted);
        Assert.False(verification.IsValid);
        Assert.Equal("AS4.SIGNATURE_INVALID", verification.Code);
    }

    [Fact]
    public void S26_an_encrypted_but_unsigned_message_decrypts_but_never_verifies()
    {
        var unsigned = As4TestSigner.Envelope(); // an empty wsse:Security header: no signature
        var (envelope, cipher) = As4TestSigner.Encrypt(unsigned, Recipient);
        using var key = Recipient.GetRSAPrivateKey()!;

        var decrypted = As4Decryptor.TryDecrypt(Read(As4TestSigner.Mime(envelope, cipher)), key, out _);
        var verification = WsSecurityVerifier.Verify(decrypted!, new As4VerificationKeys { Override = Sender });

        Assert.Equal("AS4.SIGNATURE_MISSING", verification.Code);
        Assert.Equal("EBMS:0103", verification.EbmsErrorCode);
    }
}
