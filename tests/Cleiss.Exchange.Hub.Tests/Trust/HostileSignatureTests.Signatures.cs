using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>HostileSignatureTests, the S cases (signature wrapping, references, transforms, keys, algorithms, binding).</summary>
public sealed partial class HostileSignatureTests
{
    // ---------- S: signatures ----------

    [Fact]
    public async Task S01_the_signed_SED_moved_into_a_ds_Object_with_an_attacker_SED_in_its_place_is_refused()
    {
        var document = Signed();
        var signedSed = Sed(document);
        var signature = Ds(signedSed, "Signature");
        signedSed.RemoveChild(signature);
        var attackerSed = (XmlElement)signedSed.CloneNode(deep: true);
        First(attackerSed, "caseNumber").InnerText = "EVIL-0001";
        document.DocumentElement!.ReplaceChild(attackerSed, signedSed);
        var wrapper = NewDs(document, "Object");
        wrapper.AppendChild(signedSed);
        signature.AppendChild(wrapper);
        attackerSed.AppendChild(signature);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S01_an_unsigned_SED_smuggled_into_a_ds_Object_of_a_valid_signature_is_refused()
    {
        // The enveloped transform removes the whole ds:Signature, so whatever is added inside it is unsigned, yet the
        // signature still verifies: a second, attacker SED there travels with the document to the institution.
        var document = Signed();
        var smuggled = (XmlElement)Sed(document).CloneNode(deep: true);
        smuggled.RemoveChild(Ds(smuggled, "Signature"));
        First(smuggled, "caseNumber").InnerText = "EVIL-0001";
        var wrapper = NewDs(document, "Object");
        wrapper.AppendChild(smuggled);
        Ds(document, "Signature").AppendChild(wrapper);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S01_foreign_elements_smuggled_into_the_unsigned_KeyInfo_are_refused()
    {
        var document = Signed();
        var smuggled = (XmlElement)First(document, "LocalCaseNumbers").CloneNode(deep: true);
        First(smuggled, "caseNumber").InnerText = "EVIL-0001";
        Ds(document, "KeyInfo").AppendChild(smuggled);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData("Id")]
    [InlineData("ID")]
    [InlineData("id")]
    public async Task S02_a_reference_to_an_Id_that_two_elements_carry_is_refused(string attribute)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) => signed.AddReference(ProfileReference("#sed")), beforeSigning: d => Sed(d).SetAttribute(attribute, "sed"));
        var duplicate = document.CreateElement("sed", "A001", "http://ec.europa.eu/eessi/ns/4_4/A001");
        duplicate.SetAttribute(attribute, "sed");
        First(document, "StandardBusinessDocumentHeader").AppendChild(duplicate);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData("Id", true)]
    [InlineData("ID", true)]
    [InlineData("wsu:Id", true)]
    [InlineData("Id", false)]
    [InlineData("ID", false)]
    [InlineData("wsu:Id", false)]
    public async Task S03_an_attacker_SED_beside_the_signed_one_never_becomes_the_node_processed(string attribute, bool before)
    {
        var document = Signed();
        var signedSed = Sed(document);
        var attackerSed = (XmlElement)signedSed.CloneNode(deep: true);
        attackerSed.RemoveChild(Ds(attackerSed, "Signature"));
        First(attackerSed, "caseNumber").InnerText = "EVIL-0001";
        if (attribute == "wsu:Id")
        {
            attackerSed.SetAttribute("Id", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd", "sed");
        }
        else
        {
            attackerSed.SetAttribute(attribute, "sed");
        }
        if (before)
        {
            document.DocumentElement!.InsertBefore(attackerSed, signedSed);
        }
        else
        {
            document.DocumentElement!.AppendChild(attackerSed);
        }

        // Before: the hub reads the first element after the header, whose last child is not the signature.
        // After: the reference covers the whole document, so the extra element breaks the digest.
        Assert.Equal(before ? ExchangeErrors.VerifyPolicyViolation : ExchangeErrors.VerifySignatureInvalid, await CodeAsync(document));
    }

    [Fact]
    public async Task S03_the_node_the_later_stages_read_is_the_node_that_was_verified()
    {
        var received = await ReceiveAsync(Bytes(Signed()));

        Assert.Null(received.Code);
        var sed = Sed(received.Context.Document!);
        // The SED every later stage reads (SbdhReader.SedElement on the context's tree) is the parent of the one
        // signature, as its last child, and that signature's reference is the whole document.
        var signature = Assert.Single(XmlWalk.Descendants(received.Context.Document!, "Signature", BusinessSignature.DsigNamespace));
        Assert.Same(sed, signature.ParentNode);
        Assert.Equal(string.Empty, Ds(signature, "Reference").GetAttribute("URI"));
        Assert.Equal(received.Context.Payload.ToArray(), received.Context.SignedPayload!.Value.ToArray());
    }

    [Theory]
    [InlineData("LocalCaseNumbers")] // only a part of the SED
    [InlineData("StandardBusinessDocumentHeader")] // only the header, the SED unsigned
    public async Task S04_a_valid_signature_over_only_a_part_of_the_document_is_refused(string signedPart)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = new Reference("#part") { DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new XmlDsigExcC14NTransform());
            signed.AddReference(reference);
        }, beforeSigning: d => First(d, signedPart).SetAttribute("Id", "part"));
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("file")]
    public async Task S05_a_reference_to_an_external_URI_is_refused_without_any_fetch(string scheme)
    {
        using var listener = new Listener();
        var document = Signed();
        Ds(document, "Reference").SetAttribute("URI", scheme == "http" ? listener.Url : "file:///etc/passwd");

        var received = await ReceiveAsync(Bytes(document));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, received.Code);
        Assert.DoesNotContain("root:", received.Outcome.Error!.Detail, StringComparison.Ordinal);
        Assert.False(listener.Contacted());
    }

    [Theory]
    [InlineData("#a' or '1'='1")]
    [InlineData("#xpointer(/)")]
    [InlineData("#xpointer(id('sed'))")]
    [InlineData("#1sed")]
    [InlineData("#")]
    [InlineData(" ")]
    public async Task S06_a_non_NCName_fragment_reference_is_refused(string uri)
    {
        var document = Signed();
        Ds(document, "Reference").SetAttribute("URI", uri);
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S07_an_XSLT_transform_is_refused_and_its_stylesheet_never_runs()
    {
        using var listener = new Listener();
        var document = Signed();
        var stylesheet = $"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\"><xsl:copy-of select=\"document('{listener.Url}')\"/></xsl:template></xsl:stylesheet>";
        var transforms = Ds(document, "Transforms");
        transforms.InsertAfter(Transform(document, SignedXml.XmlDsigXsltTransformUrl, stylesheet), transforms.FirstChild);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
        Assert.False(listener.Contacted());
    }

    public static TheoryData<string, string, bool> XPathTransforms => new()
    {
        // Algorithm, content, replaces the enveloped-signature transform (else added between the two)
        { SignedXml.XmlDsigXPathTransformUrl, "<XPath xmlns=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">not(ancestor-or-self::ds:Signature)</XPath>", true },
        { SignedXml.XmlDsigXPathTransformUrl, "<XPath xmlns=\"http://www.w3.org/2000/09/xmldsig#\">count(ancestor-or-self::*) &gt; 0</XPath>", false },
        { "http://www.w3.org/2002/06/xmldsig-filter2", "<dsig-xpath:XPath xmlns:dsig-xpath=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"subtract\">//*[local-name()='A001']</dsig-xpath:XPath>", false },
    };

    [Theory]
    [MemberData(nameof(XPathTransforms))]
    public async Task S08_an_XPath_or_XPath_Filter_2_transform_is_refused(string algorithm, string content, bool replacesEnveloped)
    {
        var document = Signed();
        var transforms = Ds(document, "Transforms");
        var transform = Transform(document, algorithm, content);
        if (replacesEnveloped)
        {
            transforms.ReplaceChild(transform, transforms.FirstChild!);
        }
        else
        {
            transforms.InsertAfter(transform, transforms.FirstChild);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(31)]
    public async Task S09_more_than_one_reference_is_refused_even_when_all_of_them_verify(int references)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            for (var i = 0; i < references; i++)
            {
                signed.AddReference(ProfileReference());
            }
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public async Task S09_more_transforms_than_the_profile_s_two_are_refused_even_when_they_verify(int transforms)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = ProfileReference();
            for (var i = 2; i < transforms; i++)
            {
                reference.AddTransform(new XmlDsigExcC14NTransform());
            }
            signed.AddReference(reference);
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("header", 1)]
    [InlineData("sed", 40)]
    [InlineData("inside", 1)]
    public async Task S09_more_than_one_ds_Signature_anywhere_in_the_document_is_refused(string where, int extra)
    {
        var document = Signed();
        var signature = Ds(document, "Signature");
        for (var i = 0; i < extra; i++)
        {
            var copy = (XmlElement)signature.CloneNode(deep: true);
            switch (where)
            {
                case "header":
                    First(document, "StandardBusinessDocumentHeader").AppendChild(copy);
                    break;
                case "sed":
                    Sed(document).InsertBefore(copy, Sed(document).FirstChild);
                    break;
                default:
                    Ds(document, "KeyInfo").AppendChild(copy);
                    break;
            }
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S10_a_comment_injected_into_a_signed_identity_value_keeps_the_signature_and_the_hub_reads_the_whole_value()
    {
        // Exclusive C14N without comments drops comments, so adding one after signing leaves the signature valid
        // (the SAML "comment truncation" attack). The hub must read the whole canonical text, never the first part.
        var document = Signed();
        var sender = XmlWalk.Descendants(document, "Identifier", SbdhReader.Namespace)[0];
        Assert.Equal("BE:ONSS00001", sender.InnerText);
        sender.RemoveAll();
        sender.SetAttribute("Authority", "urn:eu:europa:ec:dgempl:eessi:ir");
        sender.AppendChild(document.CreateTextNode("BE:ONSS"));
        sender.AppendChild(document.CreateComment(string.Empty));
        sender.AppendChild(document.CreateTextNode("00001"));
        var caseNumber = First(document, "caseNumber");
        caseNumber.InsertAfter(document.CreateComment("x"), caseNumber.FirstChild);
        var bytes = Bytes(document);
        Assert.Contains("BE:ONSS<!---->00001", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var received = await ReceiveAsync(bytes);

        Assert.Null(received.Code);
        Assert.Equal("BE:ONSS00001", received.Context.Header!.Sender.InstitutionId);
        Assert.Equal("BE:AP0001", received.Context.Facts["accessPoint"]);
        Assert.Equal("ONSS-A16-2026-77501", First(received.Context.Document!, "caseNumber").InnerText);
    }

    public static TheoryData<string, bool> CanonicalizationMethods => new()
    {
        // SignedInfo canonicalization method, signed for real (else written after signing: .NET cannot sign with it)
        { SignedXml.XmlDsigExcC14NWithCommentsTransformUrl, true },
        { SignedXml.XmlDsigC14NTransformUrl, true },
        { SignedXml.XmlDsigC14NWithCommentsTransformUrl, true },
        { "http://www.w3.org/2006/12/xml-c14n11", false },
        { "urn:x-unknown-c14n", false },
    };

    [Theory]
    [MemberData(nameof(CanonicalizationMethods))]
    public async Task S11_a_canonicalization_method_outside_the_profile_is_refused(string method, bool signedForReal)
    {
        byte[] bytes;
        if (signedForReal)
        {
            bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) => signed.SignedInfo!.CanonicalizationMethod = method));
            Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));
        }
        else
        {
            var document = Signed();
            Ds(document, "CanonicalizationMethod").SetAttribute("Algorithm", method);
            bytes = Bytes(document);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S11_an_exclusive_C14N_with_comments_transform_is_refused_even_when_it_verifies()
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = new Reference(string.Empty) { DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new XmlDsigExcC14NWithCommentsTransform());
            signed.AddReference(reference);
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S12_a_bare_RSAKeyValue_of_the_attacker_s_key_in_KeyInfo_is_not_used()
    {
        var document = HostileSigned(_attacker.PrivateKey, (_, signed) =>
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new RSAKeyValue((RSA)_attacker.PrivateKey));
            signed.KeyInfo = keyInfo;
        });
        var bytes = Bytes(document);
        Assert.Contains("RSAKeyValue", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(CryptographicallyValid(bytes, _attacker.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S12_the_registered_certificate_named_in_KeyInfo_does_not_make_an_attacker_signature_valid()
    {
        var document = HostileSigned(_attacker.PrivateKey, (_, signed) =>
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new KeyInfoX509Data(_sender.Certificate));
            signed.KeyInfo = keyInfo;
        });
        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, await CodeAsync(document));
    }

    [Fact]
    public async Task S12_KeyInfo_is_a_hint_only_the_sender_s_valid_signature_with_the_attacker_s_certificate_in_KeyInfo_verifies_with_the_registered_one()
    {
        var document = Signed();
        var keyInfo = Ds(document, "KeyInfo");
        var replacement = new KeyInfo();
        replacement.AddClause(new KeyInfoX509Data(_attacker.Certificate));
        keyInfo.ParentNode!.ReplaceChild(document.ImportNode(replacement.GetXml(), deep: true), keyInfo);

        var received = await ReceiveAsync(Bytes(document));

        Assert.Null(received.Code);
        Assert.Equal(SigningKeyStore.KeyId(_sender.Certificate), received.Context.Facts["keyId"]);
    }

    [Theory]
    [InlineData("http://www.w3.org/2000/09/xmldsig#rsa-sha1")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha384")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512")]
    public async Task S17_an_RSA_signature_method_outside_the_profile_is_refused_even_when_it_verifies(string method)
    {
        var bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) => signed.SignedInfo!.SignatureMethod = method));
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData(SignedXml.XmlDsigSHA1Url, true)]
    [InlineData(SignedXml.XmlDsigSHA512Url, true)]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#md5", false)]
    public async Task S17_a_digest_method_outside_the_profile_is_refused(string digest, bool signedForReal)
    {
        byte[] bytes;
        if (signedForReal)
        {
            bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) =>
            {
                var reference = ProfileReference();
                reference.DigestMethod = digest;
                signed.AddReference(reference);
            }));
            Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));
        }
        else
        {
            var document = Signed();
            Ds(document, "DigestMethod").SetAttribute("Algorithm", digest);
            bytes = Bytes(document);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public void S17_an_RSA_1024_key_is_refused_even_when_the_signature_verifies_and_it_is_the_registered_one()
    {
        using var rsa = RSA.Create(1024);
        using var certificate = SelfSigned(rsa);
        var bytes = Bytes(HostileSigned(rsa, (_, _) => { }));
        Assert.True(CryptographicallyValid(bytes, rsa));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(bytes, certificate));
    }

    [Fact]
    public void S17_a_P384_key_is_refused_even_when_the_signature_verifies_and_it_is_the_registered_one()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var certificate = SelfSigned(ec);
        var bytes = Bytes(HostileSigned(ec, (_, _) => { }));
        Assert.Contains(SignatureAlgorithms.EcdsaSha256, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(CryptographicallyValid(bytes, ec));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(bytes, certificate));
        var sha384 = Encoding.UTF8.GetString(bytes).Replace(SignatureAlgorithms.EcdsaSha256, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", StringComparison.Ordinal);
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(Encoding.UTF8.GetBytes(sha384), certificate));
    }

    [Fact]
    public async Task S17_a_DSA_signature_is_refused()
    {
        using var dsa = DSA.Create(2048);
        var bytes = Bytes(HostileSigned(dsa, (_, _) => { }));
        Assert.Contains("xmldsig#dsa-sha1", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("sha1", "1")]
    [InlineData("sha1", null)]
    [InlineData("sha256", null)]
    public async Task S18_an_HMAC_signature_is_refused_whatever_its_output_length(string hash, string? outputLength)
    {
        // The HMAC key an attacker would pick: the registered certificate's public key bytes (key confusion).
        var secret = _sender.Certificate.GetPublicKey();
#pragma warning disable CA5350 // the weak algorithm is the hostile input under test
        using KeyedHashAlgorithm hmac = hash == "sha1" ? new HMACSHA1(secret) : new HMACSHA256(secret);
#pragma warning restore CA5350
        var document = HostileSigned(null, (_, _) => { }, hmac);
        if (outputLength is not null)
        {
            var length = NewDs(document, "HMACOutputLength");
            length.InnerText = outputLength;
            Ds(document, "SignatureMethod").AppendChild(length);
        }
        Assert.Contains("hmac-" + hash, document.OuterXml, StringComparison.Ordinal);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }
}
