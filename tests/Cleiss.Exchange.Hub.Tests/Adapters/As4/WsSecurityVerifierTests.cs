using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// WS-Security verification on messages signed in-test by <see cref="As4TestSigner"/> (SignedXml for the XML references,
/// a stream reference for the attachment): the round trip, a changed attachment byte, missing coverage, ambiguous ids,
/// and the hostile signature inputs S01-S12/S17 of HOSTILE-INPUTS.md, each refused with its code and ebMS error.
/// </summary>
public sealed class WsSecurityVerifierTests
{
    private static readonly X509Certificate2 Certificate = As4TestSigner.NewCertificate();

    private static As4Message Read(byte[] bytes)
    {
        var message = As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail);
        return message!;
    }

    private static As4SignatureVerification Verify(byte[] bytes, As4VerificationKeys? keys = null, As4SignaturePolicy? policy = null)
    {
        As4SignatureVerification? result = null;
        Assert.Null(Record.Exception(() => result = WsSecurityVerifier.Verify(Read(bytes), keys, policy)));
        return result!;
    }

    private static As4SignatureVerification VerifyEnvelope(string envelope, As4VerificationKeys? keys = null, As4SignaturePolicy? policy = null) =>
        Verify(As4TestSigner.Mime(envelope), keys, policy);

    private static void AssertRefused(As4SignatureVerification result, string code, string ebms)
    {
        Assert.False(result.IsValid);
        Assert.Equal(code, result.Code);
        Assert.Equal(ebms, result.EbmsErrorCode);
        Assert.Equal(As4MessageReader.Stage, result.Error!.Stage);
    }

    [Fact]
    public void A_message_signed_over_messaging_body_and_attachment_verifies()
    {
        var result = VerifyEnvelope(As4TestSigner.Sign(Certificate));

        Assert.True(result.IsValid, result.Detail);
        Assert.True(result.SignatureValueValid);
        Assert.Null(result.EbmsErrorCode);
        Assert.Equal([As4ReferenceTarget.Messaging, As4ReferenceTarget.Body, As4ReferenceTarget.Attachment], result.References.Select(r => r.Target));
        Assert.All(result.References, r => Assert.Equal(As4ReferenceStatus.Valid, r.Status));
        Assert.Equal(Certificate.Thumbprint, result.Key!.Thumbprint);
        Assert.Contains("BinarySecurityToken", result.Key.Source, StringComparison.Ordinal);
        Assert.Equal(["Messaging", "Body"], result.VerifiedElements.Select(e => e.LocalName)); // S03: the nodes to consume
    }

    [Fact]
    public void One_changed_attachment_byte_is_a_digest_mismatch_EBMS_0101()
    {
        var changed = (byte[])As4TestSigner.Attachment.Clone();
        changed[^5] ^= 0x01;

        var result = Verify(As4TestSigner.Mime(As4TestSigner.Sign(Certificate), changed));

        AssertRefused(result, "AS4.DIGEST_MISMATCH", "EBMS:0101");
        Assert.Equal(As4ReferenceStatus.DigestMismatch, result.References.Single(r => r.Target == As4ReferenceTarget.Attachment).Status);
        Assert.True(result.SignatureValueValid, "SignedInfo itself is untouched");
    }

    [Fact]
    public void A_changed_messaging_header_is_a_digest_mismatch_EBMS_0101()
    {
        var signed = As4TestSigner.Sign(Certificate).Replace("case-1", "case-2", StringComparison.Ordinal);

        var result = VerifyEnvelope(signed);

        AssertRefused(result, "AS4.DIGEST_MISMATCH", "EBMS:0101");
        Assert.Equal(As4ReferenceStatus.DigestMismatch, result.References.Single(r => r.Target == As4ReferenceTarget.Messaging).Status);
    }

    [Fact]
    public void A_changed_digest_value_breaks_the_signature_value_EBMS_0101()
    {
        var signed = As4TestSigner.Sign(Certificate);
        var start = signed.IndexOf("<SignatureValue>", StringComparison.Ordinal) + "<SignatureValue>".Length;
        var tampered = signed[..start] + (signed[start] == 'A' ? 'B' : 'A') + signed[(start + 1)..];

        AssertRefused(VerifyEnvelope(tampered), "AS4.SIGNATURE_INVALID", "EBMS:0101");
    }

    [Theory]
    [InlineData(true, true, false)]   // attachment unsigned
    [InlineData(true, false, true)]   // Body unsigned
    [InlineData(false, true, true)]   // eb:Messaging unsigned
    public void A_valid_signature_that_does_not_cover_header_body_and_attachment_is_PolicyNoncompliance_S04(bool messaging, bool body, bool attachment)
    {
        var result = VerifyEnvelope(As4TestSigner.Sign(Certificate, messaging, body, attachment));

        AssertRefused(result, "AS4.SIGNATURE_COVERAGE", "EBMS:0103");
        Assert.True(result.SignatureValueValid);
        Assert.All(result.References, r => Assert.Equal(As4ReferenceStatus.Valid, r.Status));
    }

    [Theory]
    [InlineData("""<x:Evil xmlns:x="urn:evil" wsu:Id="msg-1"/>""")]  // S02: a second element with the same wsu:Id
    [InlineData("""<x:Evil xmlns:x="urn:evil" Id="msg-1"/>""")]      // S03: the id in another attribute
    [InlineData("""<x:Evil xmlns:x="urn:evil" ID="body-1"/>""")]
    public void A_duplicate_id_makes_the_reference_ambiguous_and_is_rejected_S02_S03(string evil)
    {
        var signed = As4TestSigner.Sign(Certificate).Replace("</S12:Header>", evil + "</S12:Header>", StringComparison.Ordinal);

        var result = VerifyEnvelope(signed);

        AssertRefused(result, "AS4.SIGNATURE_REFERENCE", "EBMS:0101");
        Assert.Contains(result.References, r => r.Status == As4ReferenceStatus.Ambiguous);
    }

    [Fact]
    public void A_signed_body_moved_into_the_security_header_with_an_attacker_body_in_its_place_is_rejected_S01()
    {
        var signed = As4TestSigner.Sign(Certificate);
        const string body = """<S12:Body wsu:Id="body-1" />""";
        Assert.Contains(body, signed, StringComparison.Ordinal);
        var wrapped = signed.Replace(body, """<S12:Body><evil xmlns="urn:evil">pay 1000</evil></S12:Body>""", StringComparison.Ordinal)
            .Replace("</wsse:Security>", """<wrapper xmlns="urn:evil">""" + body + "</wrapper></wsse:Security>", StringComparison.Ordinal);

        var result = VerifyEnvelope(wrapped);

        Assert.False(result.IsValid);
        Assert.Equal("EBMS:0103", result.EbmsErrorCode);
        Assert.Equal("AS4.SIGNATURE_COVERAGE", result.Code);
        Assert.Equal(As4ReferenceTarget.OtherElement, result.References[1].Target); // the verified node is not the processed Body
    }

    [Theory]
    [InlineData("URI=\"#body-1\"", "URI=\"http://attacker.example/x\"")]                   // S05
    [InlineData("URI=\"#body-1\"", "URI=\"file:///etc/passwd\"")]                          // S05
    [InlineData("URI=\"#body-1\"", "URI=\"#a' or '1'='1\"")]                               // S06
    [InlineData("URI=\"#body-1\"", "URI=\"\"")]                                            // whole document
    [InlineData("<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" /></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" /><DigestValue>", "<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\" /></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" /><DigestValue>")] // S07
    [InlineData("<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" /></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" /><DigestValue>", "<Transform Algorithm=\"http://www.w3.org/2002/06/xmldsig-filter2\" /></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" /><DigestValue>")] // S08
    [InlineData("<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" />", "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\" />")] // S11
    [InlineData("<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" />", "<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\" />")] // S11
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")]      // S17
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")]     // S18
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.randomcrypt.com/random")]               // WrongSigningAlgorithm
    [InlineData("<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" />", "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#md5\" />")] // S17
    [InlineData("<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\" />", "<DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\" />")]     // S17
    [InlineData("#Attachment-Content-Signature-Transform", "#Attachment-Complete-Signature-Transform")]                   // not supported
    public void Signatures_outside_the_policy_are_PolicyNoncompliance_before_any_crypto(string from, string to)
    {
        var signed = As4TestSigner.Sign(Certificate);
        Assert.Contains(from, signed, StringComparison.Ordinal);

        var result = VerifyEnvelope(signed.Replace(from, to, StringComparison.Ordinal));

        AssertRefused(result, "AS4.SIGNATURE_POLICY", "EBMS:0103");
        Assert.Null(result.SignatureValueValid);
        Assert.All(result.References, r => Assert.Equal(As4ReferenceStatus.NotChecked, r.Status));
    }

    [Fact]
    public void More_than_30_references_or_5_transforms_or_two_signatures_are_refused_S09()
    {
        var signed = As4TestSigner.Sign(Certificate);
        var first = signed.IndexOf("<Reference ", StringComparison.Ordinal);
        var reference = signed[first..(signed.IndexOf("</Reference>", first, StringComparison.Ordinal) + "</Reference>".Length)];
        var manyReferences = signed.Replace(reference, string.Concat(Enumerable.Repeat(reference, 31)), StringComparison.Ordinal);
        const string transform = "<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" />";
        var manyTransforms = signed.Replace(transform, string.Concat(Enumerable.Repeat(transform, 6)), StringComparison.Ordinal);
        var start = signed.IndexOf("<Signature ", StringComparison.Ordinal);
        var signature = signed[start..(signed.IndexOf("</Signature>", start, StringComparison.Ordinal) + "</Signature>".Length)];
        var twoSignatures = signed.Replace(signature, signature + signature, StringComparison.Ordinal);

        Assert.Contains("33 references", VerifyEnvelope(manyReferences).Detail, StringComparison.Ordinal);
        Assert.Contains("6 transforms", VerifyEnvelope(manyTransforms).Detail, StringComparison.Ordinal);
        foreach (var hostile in new[] { manyReferences, manyTransforms, twoSignatures })
        {
            AssertRefused(VerifyEnvelope(hostile), "AS4.SIGNATURE_POLICY", "EBMS:0103");
        }
    }

    [Fact]
    public void The_callers_certificate_overrides_the_token_and_a_wrong_one_fails_EBMS_0101()
    {
        var other = As4TestSigner.NewCertificate(name: "CN=someone-else");
        var signed = As4TestSigner.Sign(Certificate);

        var right = VerifyEnvelope(signed, new As4VerificationKeys { Override = X509CertificateLoader.LoadCertificate(Certificate.RawData) });
        var wrong = VerifyEnvelope(signed, new As4VerificationKeys { Override = other });

        Assert.True(right.IsValid, right.Detail);
        Assert.Contains("caller", right.Key!.Source, StringComparison.Ordinal);
        AssertRefused(wrong, "AS4.SIGNATURE_INVALID", "EBMS:0101");
        Assert.Equal(other.Thumbprint, wrong.Key!.Thumbprint);
    }

    [Fact]
    public void A_bare_key_value_or_a_missing_token_gives_no_usable_key_S12()
    {
        var signed = As4TestSigner.Sign(Certificate);
        var keyInfoStart = signed.IndexOf("<KeyInfo>", StringComparison.Ordinal);
        var keyInfoEnd = signed.IndexOf("</KeyInfo>", StringComparison.Ordinal) + "</KeyInfo>".Length;
        var keyValue = signed[..keyInfoStart] + "<KeyInfo><KeyValue><RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue></KeyInfo>" + signed[keyInfoEnd..];
        var noToken = signed.Replace("URI=\"#X509-1\"", "URI=\"#X509-2\"", StringComparison.Ordinal);

        AssertRefused(VerifyEnvelope(keyValue), "AS4.SIGNATURE_KEY_UNAVAILABLE", "EBMS:0101");
        AssertRefused(VerifyEnvelope(noToken), "AS4.SIGNATURE_KEY_UNAVAILABLE", "EBMS:0101");
    }

    [Fact]
    public void A_subject_key_identifier_resolves_against_the_callers_certificates()
    {
        var signed = As4TestSigner.Sign(Certificate);
        var ski = Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray();
        var start = signed.IndexOf("<wsse:SecurityTokenReference", StringComparison.Ordinal);
        var end = signed.IndexOf("</wsse:SecurityTokenReference>", StringComparison.Ordinal) + "</wsse:SecurityTokenReference>".Length;
        var bySki = signed[..start]
            + $"""<wsse:SecurityTokenReference xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:KeyIdentifier ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier">{Convert.ToBase64String(ski)}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"""
            + signed[end..];

        // KeyInfo is outside SignedInfo: changing it leaves the signature valid.
        var found = VerifyEnvelope(bySki, new As4VerificationKeys { Candidates = [As4TestSigner.NewCertificate(), X509CertificateLoader.LoadCertificate(Certificate.RawData)] });
        var notFound = VerifyEnvelope(bySki, new As4VerificationKeys { Candidates = [As4TestSigner.NewCertificate()] });

        Assert.True(found.IsValid, found.Detail);
        Assert.Contains("SubjectKeyIdentifier", found.Key!.Source, StringComparison.Ordinal);
        AssertRefused(notFound, "AS4.SIGNATURE_KEY_UNAVAILABLE", "EBMS:0101");
    }

    [Fact]
    public void An_rsa_key_under_2048_bits_is_refused_by_default_S17()
    {
        var weak = As4TestSigner.NewCertificate(1024);
        var signed = As4TestSigner.Sign(weak);

        AssertRefused(VerifyEnvelope(signed), "AS4.SIGNATURE_POLICY", "EBMS:0103");
        Assert.True(VerifyEnvelope(signed, policy: new As4SignaturePolicy { MinRsaKeyBits = 1024 }).IsValid);
    }

    [Fact]
    public void An_unsigned_message_is_PolicyNoncompliance()
    {
        AssertRefused(VerifyEnvelope(As4TestSigner.Envelope(withSecurity: false)), "AS4.SIGNATURE_MISSING", "EBMS:0103");
    }

    [Fact]
    public void A_missing_attachment_fails_unless_unchecked_attachments_are_allowed()
    {
        var mime = As4TestSigner.Mime(As4TestSigner.Sign(Certificate), withAttachment: false);

        var strict = Verify(mime);
        var relaxed = Verify(mime, policy: new As4SignaturePolicy { AllowUncheckedAttachments = true });

        AssertRefused(strict, "AS4.SIGNATURE_REFERENCE", "EBMS:0101");
        Assert.Equal(As4ReferenceStatus.AttachmentAbsent, strict.References.Single(r => r.Target == As4ReferenceTarget.Attachment).Status);
        Assert.True(relaxed.IsValid, relaxed.Detail);
    }

    [Fact]
    public void Every_signature_code_maps_to_its_ebms_error()
    {
        foreach (var code in new[] { "AS4.SIGNATURE_MISSING", "AS4.SIGNATURE_POLICY", "AS4.SIGNATURE_COVERAGE" })
        {
            Assert.Equal("EBMS:0103", WsSecurityVerifier.EbmsCode(code));
        }
        foreach (var code in new[] { "AS4.SIGNATURE_KEY_UNAVAILABLE", "AS4.SIGNATURE_REFERENCE", "AS4.DIGEST_MISMATCH", "AS4.SIGNATURE_INVALID" })
        {
            Assert.Equal("EBMS:0101", WsSecurityVerifier.EbmsCode(code));
        }
        Assert.Null(WsSecurityVerifier.EbmsCode("AS4.MIME_TRUNCATED"));
    }

    [Fact]
    public void Every_prefix_of_a_signed_message_is_answered_without_an_exception()
    {
        var bytes = As4TestSigner.Mime(As4TestSigner.Sign(Certificate));
        for (var length = 0; length <= bytes.Length; length += 97)
        {
            var message = As4MessageReader.TryRead(bytes.AsMemory(0, length), new As4ReaderLimits(), out _);
            if (message is not null)
            {
                Assert.Null(Record.Exception(() => WsSecurityVerifier.Verify(message)));
            }
        }
    }

    [Fact]
    public void Whitespace_between_the_blocks_does_not_matter_but_whitespace_inside_a_signed_element_does()
    {
        // The signer saw "\n  " before the Body and the wsu prefix declared only on the Envelope (namespace context).
        var signed = As4TestSigner.Sign(Certificate);
        Assert.Contains("\n  <S12:Body", signed, StringComparison.Ordinal);

        var between = VerifyEnvelope(signed.Replace("\n  <S12:Body", "\n\n    <S12:Body", StringComparison.Ordinal));
        var inside = VerifyEnvelope(signed.Replace("<eb:UserMessage>", "<eb:UserMessage> ", StringComparison.Ordinal));

        Assert.True(between.IsValid, between.Detail);
        AssertRefused(inside, "AS4.DIGEST_MISMATCH", "EBMS:0101");
    }
}
