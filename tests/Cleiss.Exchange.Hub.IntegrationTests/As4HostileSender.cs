using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// A hostile Belgian access point for the /as4 tests: it builds AS4 messages with the hub's own AS4 code (so the
/// valid parts are exactly what a real partner sends), signed with the partner's registered key, then bends them;
/// posts them to the hub; and checks each refusal the same way: the HTTP status, the ebMS error code of an error
/// signal signed by the hub, and nothing stored (no MessageId recorded, no case opened).
/// </summary>
internal sealed class As4HostileSender(HubRig rig)
{
    public static readonly As4PMode ToFrance = new() { Id = "be-to-fr", AccessPointId = "FR:AP0001", Url = "https://fr.example/as4", Compress = false };

    /// <summary>A user message before signing: its envelope, SED part and identifiers.</summary>
    public sealed record Draft(string Envelope, string PayloadId, byte[] Sed, string MessageId, string CaseId, string Receiver);

    /// <summary>The hub's answer: HTTP status, the one signal, and whether the hub's key signs it.</summary>
    public sealed record Answer(int Status, As4SignalMessage Signal, bool SignedByHub);

    public SigningCredentials PartnerKey() =>
        new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = rig.PartnerData, AccessPointId = "BE:AP0001" }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

    public SigningCredentials StrangerKey() =>
        new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = Path.Combine(rig.Root, "stranger"), AccessPointId = "BE:AP0001" }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

    public X509Certificate2 HubCertificate() =>
        X509Certificate2.CreateFromPem(File.ReadAllText(SigningKeyStore.CertificatePath(rig.HubData)));

    /// <summary>A fresh inbound SED, business-signed by the partner, in an unsigned AS4 envelope (uncompressed unless <paramref name="pmode"/> says so).</summary>
    public Draft NewDraft(As4PMode? pmode = null, string? messageId = null)
    {
        var stored = HubRig.Fresh("valid/A001-inbound-1.xml");
        var document = HardenedXml.TryLoad(stored, new IntakeOptions(), "test", out _)!;
        var header = SbdhReader.TryRead(document, out _, out _)!;
        var sed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, PartnerKey(), out _);
        messageId ??= $"{Guid.NewGuid():N}@be.example";
        var request = new As4UserMessageRequest(messageId, DateTimeOffset.UtcNow, header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, sed);
        var built = As4MessageBuilder.UserMessage(pmode ?? ToFrance, request);
        return new Draft(built.Envelope, built.PayloadContentId, sed, messageId, header.CaseId, header.Receivers[0].InstitutionId);
    }

    /// <summary>The envelope signed by <paramref name="key"/> (the partner's by default) over the given attachments.</summary>
    public string Sign(string envelope, IReadOnlyList<SignedAttachment> attachments, SigningCredentials? key = null) =>
        WsSecuritySigner.Sign(envelope, attachments, key ?? PartnerKey(), DateTimeOffset.UtcNow).Envelope;

    /// <summary>A valid message: the draft signed over its envelope and SED part, as MIME parts.</summary>
    public (string Envelope, (string Id, string Type, byte[] Content) Sed) Valid(Draft draft) =>
        (Sign(draft.Envelope, [new SignedAttachment(draft.PayloadId, draft.Sed)]), (draft.PayloadId, "application/xml", draft.Sed));

    /// <summary>A multipart/related body: the SOAP part, then the parts given, each binary.</summary>
    public static (string ContentType, byte[] Body) Mime(string envelope, params (string Id, string Type, byte[] Content)[] parts)
    {
        const string boundary = "hostile-boundary-1";
        var body = new MemoryStream();
        void Write(string s) => body.Write(Encoding.UTF8.GetBytes(s));
        Write($"--{boundary}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-ID: <soap@be.example>\r\n\r\n{envelope}\r\n");
        foreach (var (id, type, content) in parts)
        {
            Write($"--{boundary}\r\nContent-Type: {type}\r\nContent-ID: <{id}>\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            body.Write(content);
            Write("\r\n");
        }
        Write($"--{boundary}--\r\n");
        return ($"multipart/related; boundary=\"{boundary}\"; type=\"application/soap+xml\"; start=\"<soap@be.example>\"", body.ToArray());
    }

    public async Task<Answer> PostAsync(string contentType, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await rig.Api.PostAsync("/as4", content);
        var answer = await response.Content.ReadAsByteArrayAsync();
        var framed = Encoding.ASCII.GetBytes($"Content-Type: {response.Content.Headers.ContentType}\r\n\r\n").Concat(answer).ToArray();
        var message = As4MessageReader.TryRead(framed, new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail ?? Encoding.UTF8.GetString(answer));
        var signed = WsSecurityVerifier.Verify(message!, new As4VerificationKeys { Override = HubCertificate() }).IsValid;
        return new Answer((int)response.StatusCode, Assert.Single(message!.Messaging!.SignalMessages), signed);
    }

    public Task<Answer> PostAsync((string ContentType, byte[] Body) mime) => PostAsync(mime.ContentType, mime.Body);

    /// <summary>The refusal every hostile case must get: the status, the ebMS code in a hub-signed error signal, and nothing stored.</summary>
    public async Task AssertRefusedAsync(Answer answer, int status, string ebmsCode, Draft? draft)
    {
        var error = Assert.Single(answer.Signal.Errors);
        Assert.True(ebmsCode == error.ErrorCode, $"expected {ebmsCode}, got {error.ErrorCode}: {error.Description}");
        Assert.Equal(status, answer.Status);
        Assert.True(answer.SignedByHub, "the error signal is signed by the hub");
        Assert.Null(answer.Signal.Receipt);
        if (draft is not null)
        {
            Assert.Equal(draft.MessageId, answer.Signal.MessageInfo?.RefToMessageId ?? draft.MessageId);
            Assert.Null(await rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId, CancellationToken.None));
            using var cases = await rig.Api.GetAsync($"/api/v1/cases/{Uri.EscapeDataString(draft.CaseId)}");
            Assert.Equal(404, (int)cases.StatusCode); // the SED was never accepted: its case was not opened
        }
    }

    /// <summary>The hub still accepts a valid message (the process is up and not wedged).</summary>
    public async Task AssertStillAcceptsAsync()
    {
        var draft = NewDraft();
        var (envelope, sed) = Valid(draft);
        var answer = await PostAsync(Mime(envelope, sed));
        Assert.True(answer.Status == 200, string.Join(" ", answer.Signal.Errors.Select(e => e.ErrorCode + " " + e.Description)));
        Assert.NotNull(answer.Signal.Receipt);
    }

    /// <summary>
    /// Encrypts <paramref name="content"/> for <paramref name="recipient"/> the AS4 way (AES-128-GCM, the key wrapped
    /// with RSA-OAEP SHA-256) and adds the EncryptedKey and EncryptedData to the envelope's wsse:Security header (one
    /// is created when the envelope is unsigned). <paramref name="cipherReference"/> replaces the cid: reference.
    /// </summary>
    public static (string Envelope, byte[] Ciphertext) Encrypt(string envelope, string contentId, byte[] content,
        X509Certificate2 recipient, string? cipherReference = null, string? extraKeyInfo = null)
    {
        var cek = RandomNumberGenerator.GetBytes(16);
        var iv = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[content.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Encrypt(iv, content, cipher, tag);
        }
        using var rsa = recipient.GetRSAPublicKey()!;
        var wrapped = rsa.Encrypt(cek, RSAEncryptionPadding.OaepSHA256);
        var xenc =
            $"""<xenc:EncryptedKey xmlns:xenc="{As4Namespaces.Xenc}" Id="ek-1">{extraKeyInfo}<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">"""
            + $"""<ds:DigestMethod xmlns:ds="{As4Namespaces.Dsig}" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="{As4Namespaces.Xenc11}" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>"""
            + $"""<xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(wrapped)}</xenc:CipherValue></xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#ed-1"/></xenc:ReferenceList></xenc:EncryptedKey>"""
            + $"""<xenc:EncryptedData xmlns:xenc="{As4Namespaces.Xenc}" Id="ed-1" MimeType="application/xml" Type="{As4Decryptor.AttachmentContentOnly}"><xenc:EncryptionMethod Algorithm="{As4Decryptor.Aes128Gcm}"/>"""
            + $"""<xenc:CipherData><xenc:CipherReference URI="{cipherReference ?? "cid:" + contentId}"><xenc:Transforms><ds:Transform xmlns:ds="{As4Namespaces.Dsig}" Algorithm="{WsSecurityVerifier.AttachmentCiphertextTransform}"/></xenc:Transforms></xenc:CipherReference></xenc:CipherData></xenc:EncryptedData>""";
        var withSecurity = envelope.Contains("</wsse:Security>", StringComparison.Ordinal)
            ? envelope.Replace("</wsse:Security>", xenc + "</wsse:Security>", StringComparison.Ordinal)
            : envelope.Replace("<eb:Messaging", $"""<wsse:Security xmlns:wsse="{As4Namespaces.Wsse}">{xenc}</wsse:Security><eb:Messaging""", StringComparison.Ordinal);
        return (withSecurity, [.. iv, .. cipher, .. tag]);
    }
}
