using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

public sealed class BusinessSignatureTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly SigningCredentials _hub;
    private readonly SigningCredentials _attacker;

    public BusinessSignatureTests()
    {
        _hub = Builders.Key(_folder, "FR:AP0001");
        _attacker = Builders.Key(_folder, "XX:EVIL0001");
    }

    public void Dispose() => _folder.Dispose();

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new Configuration.IntakeOptions(), "test", out _)!;

    private byte[] SignedSample(SigningCredentials? key = null)
    {
        var document = Load(Builders.Sample("valid/A001-outbound-1.xml"));
        BusinessSignature.Sign(document, SbdhReader.SedElement(document)!, key ?? _hub);
        return Encoding.UTF8.GetBytes(document.OuterXml);
    }

    private SignatureCheck Verify(byte[] bytes, X509Certificate2? trusted = null)
    {
        var document = Load(bytes);
        return BusinessSignature.Verify(document, SbdhReader.SedElement(document)!, trusted ?? _hub.Certificate);
    }

    [Fact]
    public void A_signed_document_verifies_with_the_registered_certificate()
    {
        var check = Verify(SignedSample());
        Assert.True(check.IsValid, check.Detail);
    }

    [Fact]
    public void The_signature_is_the_last_child_of_the_SED_element_and_uses_the_profile()
    {
        var document = Load(SignedSample());
        var sed = SbdhReader.SedElement(document)!;
        var last = (XmlElement)sed.LastChild!;

        Assert.Equal("Signature", last.LocalName);
        Assert.Equal(BusinessSignature.DsigNamespace, last.NamespaceURI);
        Assert.Contains("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", last.OuterXml, StringComparison.Ordinal);
        Assert.Contains("http://www.w3.org/2001/10/xml-exc-c14n#", last.OuterXml, StringComparison.Ordinal);
        Assert.Contains("URI=\"\"", last.OuterXml, StringComparison.Ordinal);
    }

    [Fact]
    public void Signing_the_same_document_twice_gives_the_same_bytes()
    {
        Assert.Equal(SignedSample(), SignedSample());
    }

    [Fact]
    public void A_changed_byte_in_a_business_value_breaks_the_signature()
    {
        var signed = Encoding.UTF8.GetString(SignedSample());
        Assert.Contains("FR-2026-LA01-000184", signed, StringComparison.Ordinal);
        var tampered = signed.Replace("FR-2026-LA01-000184", "FR-2026-LA01-000185", StringComparison.Ordinal);
        Assert.Equal("VERIFY.SIGNATURE_INVALID", Verify(Encoding.UTF8.GetBytes(tampered)).Code);
    }

    [Fact]
    public void A_change_in_the_header_breaks_the_signature_too()
    {
        var signed = Encoding.UTF8.GetString(SignedSample());
        Assert.Contains("BE:ONSS00001", signed, StringComparison.Ordinal);
        var tampered = signed.Replace("BE:ONSS00001", "BE:INAMI0001", StringComparison.Ordinal);
        Assert.Equal("VERIFY.SIGNATURE_INVALID", Verify(Encoding.UTF8.GetBytes(tampered)).Code);
    }

    [Fact]
    public void The_key_in_KeyInfo_is_ignored_an_attackers_self_signed_signature_fails()
    {
        // Signed by the attacker with the attacker's certificate in KeyInfo: only the registered one counts.
        Assert.Equal("VERIFY.SIGNATURE_INVALID", Verify(SignedSample(_attacker)).Code);
    }

    [Fact]
    public void An_unsigned_document_is_reported_as_missing_a_signature()
    {
        Assert.Equal("VERIFY.SIGNATURE_MISSING", Verify(Builders.Sample("valid/A001-outbound-1.xml")).Code);
    }

    [Fact]
    public void Two_signatures_are_refused()
    {
        var document = Load(SignedSample());
        var sed = SbdhReader.SedElement(document)!;
        sed.AppendChild(sed.LastChild!.CloneNode(true));
        Assert.Equal("VERIFY.POLICY_VIOLATION", Verify(Encoding.UTF8.GetBytes(document.OuterXml)).Code);
    }

    [Fact]
    public void A_signature_moved_out_of_its_place_is_refused()
    {
        var document = Load(SignedSample());
        var signature = SbdhReader.SedElement(document)!.LastChild!;
        document.DocumentElement!.InsertBefore(signature, document.DocumentElement.FirstChild);
        Assert.Equal("VERIFY.POLICY_VIOLATION", Verify(Encoding.UTF8.GetBytes(document.OuterXml)).Code);
    }

    [Theory]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")]
    [InlineData("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1")]
    [InlineData("http://www.w3.org/2001/10/xml-exc-c14n#\"", "http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"")]
    [InlineData("Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"", "Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"")]
    [InlineData("URI=\"\"", "URI=\"http://127.0.0.1:9/x\"")]
    public void Algorithms_and_references_outside_the_profile_are_refused(string from, string to)
    {
        var xml = Encoding.UTF8.GetString(SignedSample());
        Assert.Contains(from, xml, StringComparison.Ordinal);
        var altered = xml.Replace(from, to, StringComparison.Ordinal);
        var check = Verify(Encoding.UTF8.GetBytes(altered));
        Assert.Equal("VERIFY.POLICY_VIOLATION", check.Code);
    }

    private static SigningCredentials SelfSigned(AsymmetricAlgorithm key)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest("CN=FR:AP0001", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest("CN=FR:AP0001", ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDSA"),
        };
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new SigningCredentials(certificate, SigningKeyStore.KeyId(certificate));
    }

    [Fact]
    public void An_ECDSA_P256_signature_verifies_and_says_so_and_a_changed_byte_breaks_it()
    {
        var ec = SelfSigned(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var signed = SignedSample(ec);
        var xml = Encoding.UTF8.GetString(signed);

        Assert.Contains("xmldsig-more#ecdsa-sha256", xml, StringComparison.Ordinal);
        var check = Verify(signed, ec.Certificate);
        Assert.True(check.IsValid, check.Detail);
        Assert.Equal("ecdsa-p256-sha256", check.Algorithm);
        Assert.Equal("VERIFY.SIGNATURE_INVALID", Verify(Encoding.UTF8.GetBytes(xml.Replace("FR:CLEISS0002", "FR:CLEISS0003", StringComparison.Ordinal)), ec.Certificate).Code);
    }

    [Fact]
    public void The_signature_method_must_match_the_registered_key_type()
    {
        var ec = SelfSigned(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        // An ECDSA-signed document checked against the RSA certificate registered for its sender, and the reverse.
        Assert.Equal("VERIFY.POLICY_VIOLATION", Verify(SignedSample(ec), _hub.Certificate).Code);
        Assert.Equal("VERIFY.POLICY_VIOLATION", Verify(SignedSample(), ec.Certificate).Code);
    }

    [Fact]
    public void Keys_outside_the_profile_cannot_sign_RSA_1024_and_P384()
    {
        Assert.Throws<InvalidOperationException>(() => SelfSigned(RSA.Create(1024)));
        Assert.Throws<InvalidOperationException>(() => SelfSigned(ECDsa.Create(ECCurve.NamedCurves.nistP384)));
    }
    [Theory]
    [InlineData("<SignatureValue>", "<SignatureValue>not*base64", "a signature value that is not base64")]
    [InlineData("<DigestValue>", "<DigestValue>%%", "a digest value that is not base64")]
    [InlineData("<SignatureMethod ", "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"><HMACOutputLength>8</HMACOutputLength></SignatureMethod><SignatureMethod ", "two signature methods")]
    [InlineData("<DigestMethod ", "<DigestValue>AAAA</DigestValue><DigestMethod ", "a reference with two digest values")]
    [InlineData(" Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"", "", "a transform without an algorithm")]
    public void A_signature_outside_the_profile_s_one_shape_is_a_policy_violation(string find, string replace, string what)
    {
        var xml = Encoding.UTF8.GetString(SignedSample());
        Assert.Contains(find, xml, StringComparison.Ordinal);

        var check = Verify(Encoding.UTF8.GetBytes(ReplaceFirst(xml, find, replace)));

        Assert.True(check.Code == "VERIFY.POLICY_VIOLATION", $"{what}: {check.Code} {check.Detail}");
    }

    [Fact]
    public void A_digest_of_the_wrong_length_is_an_invalid_signature_not_a_crash()
    {
        var xml = Encoding.UTF8.GetString(SignedSample());
        var start = xml.IndexOf("<DigestValue>", StringComparison.Ordinal) + "<DigestValue>".Length;
        var end = xml.IndexOf("</DigestValue>", start, StringComparison.Ordinal);

        var check = Verify(Encoding.UTF8.GetBytes(string.Concat(xml.AsSpan(0, start), "AAAA", xml.AsSpan(end))));

        Assert.Equal("VERIFY.SIGNATURE_INVALID", check.Code);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }
}
