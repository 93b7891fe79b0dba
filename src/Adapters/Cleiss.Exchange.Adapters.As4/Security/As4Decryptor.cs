using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Hub;
using Cleiss.Exchange.Hub.Abstractions;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Security;
using static Cleiss.Exchange.Adapters.As4.As4Namespaces;

namespace Cleiss.Exchange.Adapters.As4.Security;

/// <summary>
/// Decrypts the attachments of an AS4 message (WS-Security SwA, eDelivery profile): each xenc:EncryptedKey of the
/// wsse:Security headers is unwrapped with the recipient's RSA key (RSA-OAEP: xmlenc11#rsa-oaep with its DigestMethod
/// and MGF, MGF1-SHA-1 when none is named as the spec says, or xmlenc#rsa-oaep-mgf1p), and each xenc:EncryptedData it
/// lists whose CipherReference is a <c>cid:</c> with the Attachment-Ciphertext-Transform is decrypted with AES-GCM
/// (IV 12 bytes, tag 16 bytes) as Attachment-Content-Only. BouncyCastle does the OAEP because .NET ties the MGF hash
/// to the OAEP digest. Also gunzips a payload under a size cap (S24).
/// </summary>
public static class As4Decryptor
{
    public const string RsaOaep = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    public const string RsaOaepMgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    public const string Aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    public const string Aes192Gcm = "http://www.w3.org/2009/xmlenc11#aes192-gcm";
    public const string Aes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    public const string AttachmentContentOnly = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only";
    public const string EbmsFailedDecryption = "EBMS:0102";
    public const string EbmsDecompressionFailure = "EBMS:0303";

    private const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

    /// <summary>Base64 of one RSA-8192 block (1024 bytes), with room for line breaks.</summary>
    private const int MaxWrappedKeyChars = 1500;
    private const string Mgf1Prefix = "http://www.w3.org/2009/xmlenc11#mgf1";

    /// <summary>
    /// Returns the message with every encrypted attachment replaced by its plaintext (<see cref="As4Attachment.Decrypted"/>),
    /// or the <c>AS4.DECRYPTION_FAILED</c> error. A message without EncryptedKey is returned as it is.
    /// </summary>
    public static As4Message? TryDecrypt(As4Message message, RSA privateKey, out ExchangeError? error)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(privateKey);
        error = null;
        if (message.Envelope?.DocumentElement is not { } envelope)
        {
            return message;
        }
        var header = As4EnvelopeReader.Elements(envelope).FirstOrDefault(e => e.LocalName == "Header" && e.NamespaceURI == envelope.NamespaceURI);
        var securityChildren = (header is null ? [] : As4EnvelopeReader.Elements(header))
            .Where(b => (b.NamespaceURI == Wsse || b.NamespaceURI == Wsse11) && b.LocalName == "Security")
            .SelectMany(As4EnvelopeReader.Elements).ToList();
        var encryptedKeys = securityChildren.Where(e => e.NamespaceURI == Xenc && e.LocalName == "EncryptedKey").ToList();
        if (encryptedKeys.Count == 0)
        {
            return message;
        }
        var encryptedData = securityChildren.Where(e => e.NamespaceURI == Xenc && e.LocalName == "EncryptedData").ToList();
        var attachments = message.Attachments.ToList();
        AsymmetricKeyParameter bcKey;
        try
        {
            bcKey = DotNetUtilities.GetRsaKeyPair(privateKey.ExportParameters(includePrivateParameters: true)).Private;
        }
        catch (CryptographicException ex)
        {
            error = Fail($"The private key cannot be used: {ex.Message}");
            return null;
        }
        foreach (var encryptedKey in encryptedKeys)
        {
            var cek = Unwrap(encryptedKey, bcKey, out var unwrapError);
            if (cek is null)
            {
                error = Fail(unwrapError!);
                return null;
            }
            var list = As4EnvelopeReader.Elements(encryptedKey).FirstOrDefault(e => e.NamespaceURI == Xenc && e.LocalName == "ReferenceList");
            foreach (var dataReference in list is null ? [] : As4EnvelopeReader.Elements(list).Where(e => e.NamespaceURI == Xenc && e.LocalName == "DataReference"))
            {
                var uri = dataReference.GetAttribute("URI");
                var matches = encryptedData.Where(d => uri.Length > 1 && uri[0] == '#' && d.GetAttribute("Id") == uri[1..]).ToList();
                if (matches.Count != 1)
                {
                    error = Fail(matches.Count == 0
                        ? $"DataReference {uri} names no EncryptedData of the Security header (only attachments are decrypted here)."
                        : $"{matches.Count} EncryptedData elements have the id {uri}.");
                    return null;
                }
                if (!DecryptAttachment(matches[0], cek, attachments, out var dataError))
                {
                    error = Fail($"EncryptedData {uri}: {dataError}");
                    return null;
                }
            }
        }
        return message with { Attachments = attachments };
    }

    /// <summary>Gunzips a payload, refusing more than <paramref name="maxBytes"/> of output (S24) with <c>AS4.DECOMPRESSION_FAILED</c>.</summary>
    public static byte[]? TryGunzip(ReadOnlyMemory<byte> compressed, long maxBytes, out ExchangeError? error)
    {
        error = null;
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    error = ExchangeErrors.Permanent(ExchangeErrors.As4DecompressionFailed, As4MessageReader.Stage, $"The payload decompresses to more than {maxBytes} bytes (S24).");
                    return null;
                }
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            error = ExchangeErrors.Permanent(ExchangeErrors.As4DecompressionFailed, As4MessageReader.Stage, $"The payload is not valid gzip: {ex.Message}");
            return null;
        }
    }

    private static byte[]? Unwrap(XmlElement encryptedKey, AsymmetricKeyParameter key, out string? error)
    {
        error = null;
        var method = Child(encryptedKey, Xenc, "EncryptionMethod");
        var algorithm = method?.GetAttribute("Algorithm");
        IDigest? digest;
        IDigest? mgf;
        if (algorithm == RsaOaepMgf1p)
        {
            digest = NewDigest(Child(method!, Dsig, "DigestMethod")?.GetAttribute("Algorithm") ?? Sha1);
            mgf = new Sha1Digest();
        }
        else if (algorithm == RsaOaep)
        {
            digest = NewDigest(Child(method!, Dsig, "DigestMethod")?.GetAttribute("Algorithm") ?? Sha1);
            var mgfUri = Child(method!, Xenc11, "MGF")?.GetAttribute("Algorithm") ?? Mgf1Prefix + "sha1";
            mgf = mgfUri.StartsWith(Mgf1Prefix, StringComparison.Ordinal) ? NewDigest(mgfUri[Mgf1Prefix.Length..]) : null;
            if (mgf is null)
            {
                error = $"MGF {mgfUri} is not supported.";
                return null;
            }
        }
        else
        {
            error = $"Key transport {algorithm} is not supported (RSA-OAEP only; RSA 1.5 is refused).";
            return null;
        }
        if (digest is null)
        {
            error = "The OAEP DigestMethod is not supported (sha1, sha256, sha384, sha512).";
            return null;
        }
        var cipherValue = Child(Child(encryptedKey, Xenc, "CipherData") ?? encryptedKey, Xenc, "CipherValue")?.InnerText;
        if (cipherValue is { Length: > MaxWrappedKeyChars })
        {
            // S22: a wrapped AES key is one RSA block (at most 1024 bytes for RSA-8192); a huge CipherValue is refused undecoded.
            error = $"The EncryptedKey CipherValue has {cipherValue.Length} characters; a wrapped key has at most {MaxWrappedKeyChars}.";
            return null;
        }
        try
        {
            var oaep = new OaepEncoding(new RsaEngine(), digest, mgf, null);
            oaep.Init(false, key);
            var wrapped = Convert.FromBase64String(cipherValue ?? "");
            var cek = oaep.ProcessBlock(wrapped, 0, wrapped.Length);
            if (cek.Length is not (16 or 24 or 32))
            {
                error = $"The unwrapped key has {cek.Length} bytes, not an AES key.";
                return null;
            }
            return cek;
        }
        catch (Exception ex) when (ex is InvalidCipherTextException or DataLengthException or FormatException or ArgumentException)
        {
            error = "The EncryptedKey does not decrypt with the private key given (wrong key, or tampered).";
            return null;
        }
    }

    private static IDigest? NewDigest(string uriOrName) => uriOrName switch
    {
        Sha1 or "sha1" => new Sha1Digest(),
        "http://www.w3.org/2001/04/xmlenc#sha256" or "sha256" => new Sha256Digest(),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" or "sha384" => new Sha384Digest(),
        "http://www.w3.org/2001/04/xmlenc#sha512" or "sha512" => new Sha512Digest(),
        _ => null,
    };

    private static bool DecryptAttachment(XmlElement data, byte[] cek, List<As4Attachment> attachments, out string? error)
    {
        error = null;
        var algorithm = Child(data, Xenc, "EncryptionMethod")?.GetAttribute("Algorithm");
        var keySize = algorithm switch { Aes128Gcm => 16, Aes192Gcm => 24, Aes256Gcm => 32, _ => 0 };
        if (keySize == 0)
        {
            error = $"Data encryption {algorithm} is not supported (AES-GCM only).";
            return false;
        }
        if (cek.Length != keySize)
        {
            error = $"The key has {cek.Length} bytes; {algorithm} needs {keySize}.";
            return false;
        }
        if (data.GetAttribute("Type") != AttachmentContentOnly)
        {
            error = $"EncryptedData Type {data.GetAttribute("Type")} is not supported (Attachment-Content-Only).";
            return false;
        }
        var reference = Child(Child(data, Xenc, "CipherData") ?? data, Xenc, "CipherReference");
        var uri = reference?.GetAttribute("URI") ?? "";
        if (!uri.StartsWith("cid:", StringComparison.Ordinal))
        {
            error = $"CipherReference {uri} is not an attachment; nothing is fetched (S22).";
            return false;
        }
        var cid = Uri.UnescapeDataString(uri[4..]);
        var index = attachments.FindIndex(a => a.ContentId == cid);
        if (index < 0 || attachments.FindLastIndex(a => a.ContentId == cid) != index)
        {
            error = index < 0 ? $"No attachment <{cid}>." : $"Several attachments have the Content-ID <{cid}>.";
            return false;
        }
        var cipher = attachments[index].Content.Span;
        if (cipher.Length < 12 + 16)
        {
            error = $"Attachment <{cid}> is too short for AES-GCM (IV and tag).";
            return false;
        }
        var plain = new byte[cipher.Length - 28];
        try
        {
            using var aes = new AesGcm(cek, 16);
            aes.Decrypt(cipher[..12], cipher[12..^16], cipher[^16..], plain);
        }
        catch (CryptographicException)
        {
            error = $"Attachment <{cid}> does not decrypt: the AES-GCM tag does not match (wrong key, or tampered).";
            return false;
        }
        var mimeType = data.GetAttribute("MimeType");
        attachments[index] = attachments[index] with
        {
            ContentType = mimeType.Length > 0 ? mimeType : attachments[index].ContentType,
            Size = plain.Length,
            Content = plain,
            Decrypted = true,
        };
        return true;
    }

    private static XmlElement? Child(XmlElement parent, string ns, string localName) =>
        As4EnvelopeReader.Elements(parent).FirstOrDefault(e => e.NamespaceURI == ns && e.LocalName == localName);

    private static ExchangeError Fail(string detail) => ExchangeErrors.Permanent(ExchangeErrors.As4DecryptionFailed, As4MessageReader.Stage, detail);
}
