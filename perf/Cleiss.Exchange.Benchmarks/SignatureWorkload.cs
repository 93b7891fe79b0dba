using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// The hub's per-document business-signature paths, as the sign and verify stages run them, with one
/// self-signed key (RSA-2048 or P-256) and the raw key operations that bound them.
/// </summary>
public sealed class SignatureWorkload
{
    private const string Stage = "sign";

    public SignatureWorkload(string algorithm)
    {
        Algorithm = algorithm;
        var subject = new X500DistinguishedName($"CN=Cleiss benchmark {algorithm}");
        Certificate = algorithm switch
        {
            "RSA" => CreateRsa(subject),
            "P256" => CreateP256(subject),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "RSA or P256"),
        };
        Credentials = new SigningCredentials(Certificate, SigningKeyStore.KeyId(Certificate));
        PublicCertificate = X509Certificate2.CreateFromPem(Certificate.ExportCertificatePem());
        Rsa = Credentials.PrivateKey as RSA;
        Ecdsa = Credentials.PrivateKey as ECDsa;
        RsaPublic = PublicCertificate.GetRSAPublicKey();
        EcdsaPublic = PublicCertificate.GetECDsaPublicKey();
    }

    /// <summary>"RSA" (RSA-2048, rsa-sha256) or "P256" (ECDSA P-256, ecdsa-sha256).</summary>
    public string Algorithm { get; }

    /// <summary>The self-signed certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The same certificate without the private key: what the verifying side trusts.</summary>
    public X509Certificate2 PublicCertificate { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>Structural limits (defaults, as in the hub).</summary>
    public IntakeOptions Limits { get; } = new();

    private RSA? Rsa { get; }

    private ECDsa? Ecdsa { get; }

    private RSA? RsaPublic { get; }

    private ECDsa? EcdsaPublic { get; }

    /// <summary>
    /// The sign stage per document: parse the stored bytes (hardened, whitespace preserved), find the SED
    /// element, sign (exclusive C14N of the tree into SHA-256, SignedInfo in canonical form, key operation),
    /// and splice the signature into the stored bytes (BusinessSignature.SignBytes, as SigningStage).
    /// </summary>
    public byte[] Sign(byte[] stored)
    {
        var document = HardenedXml.TryLoad(stored, Limits, Stage, out var error)
            ?? throw new InvalidOperationException(error!.Detail);
        var sed = SbdhReader.SedElement(document) ?? throw new InvalidOperationException("No SED element.");
        return BusinessSignature.SignBytes(stored, document, sed, Credentials, out _);
    }

    /// <summary>The parse alone, as the sign and verify stages do it (for the breakdown in compare-sign).</summary>
    public XmlDocument Parse(byte[] bytes) =>
        HardenedXml.TryLoad(bytes, Limits, Stage, out var error) ?? throw new InvalidOperationException(error!.Detail);

    /// <summary><see cref="Sign"/> without the final serialisation (for the breakdown in compare-sign).</summary>
    public string SignWithoutSerialising(byte[] stored)
    {
        var document = Parse(stored);
        return BusinessSignature.Sign(document, SbdhReader.SedElement(document)!, Credentials);
    }

    /// <summary>
    /// What SignedXml does first for a URI="" reference (Utils.PreProcessDocumentInput): serialise the whole
    /// tree to a string and parse it again into a new tree (for the breakdown in compare-sign).
    /// </summary>
    public static XmlDocument CopyAsSignedXmlDoes(XmlDocument document)
    {
        var copy = new XmlDocument { PreserveWhitespace = document.PreserveWhitespace, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(document.OuterXml), new XmlReaderSettings { XmlResolver = null, DtdProcessing = DtdProcessing.Prohibit });
        copy.Load(reader);
        return copy;
    }

    /// <summary>Exclusive C14N of the whole tree to a stream, hashed with SHA-256 (the reference digest's own work).</summary>
    public static byte[] CanonicalDigest(XmlDocument document)
    {
        var transform = new XmlDsigExcC14NTransform();
        transform.LoadInput(document);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        return SHA256.HashData(output);
    }

    /// <summary>The verify stage per document: parse the received bytes (hardened), find the SED element, verify.</summary>
    public bool Verify(byte[] received)
    {
        var document = HardenedXml.TryLoad(received, Limits, "verify", out _);
        if (document is null || SbdhReader.SedElement(document) is not { } sed)
        {
            return false;
        }
        return BusinessSignature.Verify(document, sed, PublicCertificate).IsValid;
    }

    /// <summary>Like <see cref="Verify"/>, with the reason when the signature is refused.</summary>
    public string VerifyDetail(byte[] received)
    {
        var document = HardenedXml.TryLoad(received, Limits, "verify", out var error)
            ?? throw new InvalidOperationException(error!.Detail);
        var sed = SbdhReader.SedElement(document) ?? throw new InvalidOperationException("No SED element.");
        var check = BusinessSignature.Verify(document, sed, PublicCertificate);
        return check.IsValid ? "valid" : $"{check.Code}: {check.Detail}";
    }

    /// <summary>The physical bound: SHA-256 of the document bytes, then one private-key operation with the same key.</summary>
    public byte[] RawSign(byte[] document)
    {
        var hash = SHA256.HashData(document);
        return Rsa is not null
            ? Rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : Ecdsa!.SignHash(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>SHA-256 of the document bytes, then one public-key check against the same certificate's key.</summary>
    public bool RawVerify(byte[] document, byte[] signature)
    {
        var hash = SHA256.HashData(document);
        return RsaPublic is not null
            ? RsaPublic.VerifyHash(hash, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : EcdsaPublic!.VerifyHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The XML-DSig signature method URI of this key (what an xmlsec1 template must name).</summary>
    public string SignatureMethod => Credentials.SignatureMethod;

    /// <summary>
    /// The same document as an xmlsec1 template: an empty ds:Signature skeleton of the hub's profile
    /// (exc-C14N, this key's method, one URI="" reference with enveloped + exc-C14N, SHA-256, X509Data)
    /// as the SED element's last child, where the hub puts its signature.
    /// </summary>
    public byte[] Template(byte[] stored)
    {
        var document = HardenedXml.TryLoad(stored, Limits, Stage, out var error)
            ?? throw new InvalidOperationException(error!.Detail);
        var sed = SbdhReader.SedElement(document) ?? throw new InvalidOperationException("No SED element.");
        var skeleton = new XmlDocument { PreserveWhitespace = true };
        skeleton.LoadXml($"""
            <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="{SignatureMethod}"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>
            """);
        sed.AppendChild(document.ImportNode(skeleton.DocumentElement!, deep: true));
        return Encoding.UTF8.GetBytes(document.OuterXml);
    }

    /// <summary>Checks that a document signed by the hub path verifies, and that a modified copy does not.</summary>
    public void CheckRoundTrip(byte[] stored)
    {
        var signed = Sign(stored);
        var detail = VerifyDetail(signed);
        if (detail != "valid")
        {
            throw new InvalidOperationException($"A document signed with {Algorithm} does not verify: {detail}");
        }
        var text = Encoding.UTF8.GetString(signed);
        var at = text.IndexOf("FR:UNEDIC001", StringComparison.Ordinal);
        if (at < 0 || Verify(Encoding.UTF8.GetBytes(text.Remove(at, 2).Insert(at, "DE"))))
        {
            throw new InvalidOperationException("A modified signed document still verifies (or the probe text is missing).");
        }
        if (!RawVerify(stored, RawSign(stored)))
        {
            throw new InvalidOperationException($"The raw {Algorithm} signature does not verify.");
        }
    }

    private static X509Certificate2 CreateRsa(X500DistinguishedName subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 CreateP256(X500DistinguishedName subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
