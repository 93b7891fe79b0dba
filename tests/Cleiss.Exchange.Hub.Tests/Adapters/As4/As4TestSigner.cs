using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// Signs AS4 test messages the way an access point does, independently of the verifier under test: .NET's
/// <see cref="SignedXml"/> computes the XML references (wsu:Id resolved by a small override) and, through a
/// stream-target <see cref="Reference"/> whose URI is set to <c>cid:…</c>, the attachment digest (a pass-through
/// transform carrying the SwA Attachment-Content-Signature-Transform URI). The wsse:Security header gets a
/// BinarySecurityToken and a SecurityTokenReference to it.
/// </summary>
internal static class As4TestSigner
{
    public const string Boundary = "MIMEBoundary_verify";
    public const string AttachmentId = "sed@cleiss";
    public const string MessagingId = "msg-1";
    public const string BodyId = "body-1";
    public const string TokenId = "X509-1";

    private const string Wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    private const string Wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    public static readonly byte[] Attachment = Encoding.UTF8.GetBytes("<sbdh:StandardBusinessDocument xmlns:sbdh=\"urn:test\"><SED>F001</SED></sbdh:StandardBusinessDocument>");

    public static string Envelope(bool withSecurity = true) =>
        """<S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">"""
        + "<S12:Header>"
        + (withSecurity ? """<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" S12:mustUnderstand="true"></wsse:Security>""" : "")
        + $"""<eb:Messaging xmlns:eb="http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/" S12:mustUnderstand="true" wsu:Id="{MessagingId}"><eb:UserMessage><eb:MessageInfo><eb:Timestamp>2026-11-26T10:00:00Z</eb:Timestamp><eb:MessageId>m1@cleiss</eb:MessageId></eb:MessageInfo>"""
        + """<eb:PartyInfo><eb:From><eb:PartyId type="urn:eu:europa:ec:dgempl:eessi:ir">FR:AP0001</eb:PartyId><eb:Role>urn:eu:europa:ec:dgempl:eessi:ir:institution</eb:Role></eb:From>"""
        + """<eb:To><eb:PartyId type="urn:eu:europa:ec:dgempl:eessi:ir">BE:AP0001</eb:PartyId><eb:Role>urn:eu:europa:ec:dgempl:eessi:ir:institution</eb:Role></eb:To></eb:PartyInfo>"""
        + """<eb:CollaborationInfo><eb:Service type="urn:eu:europa:ec:dgempl:eessi">BusinessMessaging</eb:Service><eb:Action>Send</eb:Action><eb:ConversationId>case-1</eb:ConversationId></eb:CollaborationInfo>"""
        + $"""<eb:PayloadInfo><eb:PartInfo href="cid:{AttachmentId}"><eb:PartProperties><eb:Property name="PartType">SED</eb:Property></eb:PartProperties></eb:PartInfo></eb:PayloadInfo>"""
        + $"""</eb:UserMessage></eb:Messaging></S12:Header>{"\n"}  <S12:Body wsu:Id="{BodyId}"/></S12:Envelope>""";

    /// <summary>A self-signed RSA certificate with its private key.</summary>
    public static X509Certificate2 NewCertificate(int bits = 2048, string name = "CN=FR-AP-test")
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>Signs the envelope's Messaging, Body (each optional) and the attachment (optional); returns the signed envelope text.</summary>
    public static string Sign(X509Certificate2 certificate, bool messaging = true, bool body = true, bool attachment = true, string? envelope = null)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(envelope ?? Envelope());
        var signed = new WsuSignedXml(document) { SigningKey = certificate.GetRSAPrivateKey() };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        foreach (var (include, id) in new[] { (messaging, MessagingId), (body, BodyId) })
        {
            if (include)
            {
                var reference = new Reference("#" + id) { DigestMethod = SignedXml.XmlDsigSHA256Url };
                reference.AddTransform(new XmlDsigExcC14NTransform());
                signed.AddReference(reference);
            }
        }
        if (attachment)
        {
            var reference = new Reference(new MemoryStream(Attachment)) { Uri = "cid:" + AttachmentId, DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new AttachmentContentTransform());
            signed.AddReference(reference);
        }
        var str = document.CreateElement("wsse", "SecurityTokenReference", Wsse);
        var tokenReference = document.CreateElement("wsse", "Reference", Wsse);
        tokenReference.SetAttribute("URI", "#" + TokenId);
        tokenReference.SetAttribute("ValueType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3");
        str.AppendChild(tokenReference);
        signed.KeyInfo = new KeyInfo();
        signed.KeyInfo.AddClause(new KeyInfoNode(str));
        signed.ComputeSignature();

        var security = (XmlElement)document.GetElementsByTagName("Security", Wsse)[0]!;
        var token = document.CreateElement("wsse", "BinarySecurityToken", Wsse);
        token.SetAttribute("EncodingType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary");
        token.SetAttribute("ValueType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3");
        token.SetAttribute("Id", Wsu, TokenId);
        token.InnerText = Convert.ToBase64String(certificate.RawData);
        security.AppendChild(token);
        security.AppendChild(document.ImportNode(signed.GetXml(), true));
        return document.OuterXml;
    }

    /// <summary>
    /// Encrypts the attachment of a signed envelope for <paramref name="recipient"/> (sign, then encrypt, as AS4 does):
    /// AES-128-GCM over the content (IV, ciphertext, tag), the key wrapped with RSA-OAEP SHA-256/MGF1-SHA-256 in an
    /// xenc:EncryptedKey whose ReferenceList names an xenc:EncryptedData with a cid: CipherReference.
    /// </summary>
    public static (string Envelope, byte[] Ciphertext) Encrypt(string signedEnvelope, X509Certificate2 recipient)
    {
        var cek = RandomNumberGenerator.GetBytes(16);
        var iv = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[Attachment.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Encrypt(iv, Attachment, cipher, tag);
        }
        using var rsa = recipient.GetRSAPublicKey()!;
        var wrapped = rsa.Encrypt(cek, RSAEncryptionPadding.OaepSHA256);
        var security =
            """<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Id="ek-1"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">"""
            + """<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>"""
            + $"""<xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(wrapped)}</xenc:CipherValue></xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#ed-1"/></xenc:ReferenceList></xenc:EncryptedKey>"""
            + """<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Id="ed-1" MimeType="application/xml" Type="http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>"""
            + $"""<xenc:CipherData><xenc:CipherReference URI="cid:{AttachmentId}"><xenc:Transforms><ds:Transform xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Ciphertext-Transform"/></xenc:Transforms></xenc:CipherReference></xenc:CipherData></xenc:EncryptedData>""";
        return (signedEnvelope.Replace("</wsse:Security>", security + "</wsse:Security>", StringComparison.Ordinal), [.. iv, .. cipher, .. tag]);
    }

    /// <summary>The signed envelope and the attachment as one MIME multipart/related message (headers included).</summary>
    public static byte[] Mime(string envelope, byte[]? attachment = null, bool withAttachment = true)
    {
        var text = new MemoryStream();
        void Write(string s) => text.Write(Encoding.UTF8.GetBytes(s));
        Write($"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"{Boundary}\"; type=\"application/soap+xml\"; start=\"<root@cleiss>\"\r\n\r\n");
        Write($"--{Boundary}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-ID: <root@cleiss>\r\n\r\n{envelope}\r\n");
        if (withAttachment)
        {
            Write($"--{Boundary}\r\nContent-Type: application/xml\r\nContent-ID: <{AttachmentId}>\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            text.Write(attachment ?? Attachment);
            Write("\r\n");
        }
        Write($"--{Boundary}--\r\n");
        return text.ToArray();
    }

    /// <summary>SignedXml that resolves wsu:Id (the default only knows Id/id/ID without a prefix).</summary>
    private sealed class WsuSignedXml(XmlDocument document) : SignedXml(document)
    {
        public override XmlElement? GetIdElement(XmlDocument? document, string idValue) =>
            document!.SelectSingleNode($"//*[@*[local-name()='Id' and namespace-uri()='{Wsu}']='{idValue}']") as XmlElement ?? base.GetIdElement(document, idValue);
    }

    /// <summary>The SwA Attachment-Content-Signature-Transform as a pass-through: the digest input is the attachment's octets.</summary>
    private sealed class AttachmentContentTransform : Transform
    {
        private Stream? _input;

        public AttachmentContentTransform() => Algorithm = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform";

        public override Type[] InputTypes => [typeof(Stream)];

        public override Type[] OutputTypes => [typeof(Stream)];

        public override object GetOutput() => _input!;

        public override object GetOutput(Type type) => _input!;

        public override void LoadInnerXml(XmlNodeList nodeList)
        {
        }

        public override void LoadInput(object obj) => _input = (Stream)obj;

        protected override XmlNodeList? GetInnerXml() => null;
    }
}
