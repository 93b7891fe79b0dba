using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;

namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>
/// WS-Security verification of the real AS4 messages of as4-samples (SOURCES.md): every signed sample is listed here
/// with its verdict. The ones xmlsec1 or SOURCES.md call VALID verify (XML references; cid: references only where
/// the attachment is present and not encrypted); the NEGATIVE ones fail with their ebMS error; the reformatted
/// "parser samples" fail on the digest of the part that was reformatted.
/// </summary>
public sealed class RealAs4SignatureTests
{
    private const string Folder = "as4-samples";
    private const string Phase4 = "phase4/phase4-test/src/test/resources/testfiles/";
    private const string Phase4Verify = "phase4/phase4-peppol-client/src/test/resources/external/verify/";
    private const string Net = "eessi-as4.net/source/Eu.EDelivery.AS4.UnitTests/Resources/";
    private const string Domibus = "domibus/Domibus-MSH/src/test/resources/dataset/as4/";
    private const string DomibusTest = "domibus/Domibus-MSH-test/src/main/resources/dataset/as4/";

    /// <summary>
    /// Keys: "" = the message's own token; a PEM name under _converted/ = a candidate for SKI/IssuerSerial;
    /// "EU.TEST leaf" = the leaf certificate carried by the Domibus bst_x509v3 sample (the is_/ski_ samples name it
    /// by IssuerSerial and SKI). Policy: "1024" = a 1024-bit Holodeck test key allowed; "unchecked" = cid:
    /// references to absent or encrypted attachments reported, not failed; "no-coverage" = crypto only.
    /// </summary>
    private static readonly (string File, string Keys, string Policy, string? Code, string Why)[] Expectations =
    [
        (Phase4Verify + "helger.as4in", "", "", null, "xmlsec1 VALID 2/2"),
        (Phase4Verify + "dataport1-mustunderstand.as4in", "", "", null, "xmlsec1 VALID 2/2 (SOAP namespace bound to the prefix 'mustUnderstand')"),
        (Phase4Verify + "dataport1.as4in", "", "", "AS4.DIGEST_MISMATCH", "NEGATIVE: mustUnderstand re-prefixed after signing, Messaging digest mismatch"),
        ("phase4/phase4-peppol-client/src/test/resources/dump-raw.as4out", "", "unchecked", null, "XML references and SignatureValue valid; cid: encrypted (recipient key absent)"),
        (Phase4 + "TestReceipt11.xml", "", "no-coverage", null, "xmlsec1 VALID 1/1: only the Body is signed"),
        (Phase4 + "WrongSigningAlgorithm.xml", "", "", "AS4.SIGNATURE_POLICY", "NEGATIVE: unknown SignatureMethod"),
        (Phase4 + "WrongSigningDigestAlgorithm.xml", "", "", "AS4.SIGNATURE_POLICY", "NEGATIVE: unknown DigestMethod"),
        (Net + "as4-soap-signed-message.txt", "", "1024", null, "xmlsec1 VALID 2/2 (Holodeck PartyA, 1024-bit test key)"),
        (Net + "as4-soap-untrusted-signed-message.txt", "", "", "AS4.SIGNATURE_INVALID", "NEGATIVE: digests OK, SignatureValue fails with the BST cert"),
        (Net + "as4-soap-wrong-signed-message.txt", "", "1024", "AS4.SIGNATURE_REFERENCE", "NEGATIVE: the Body's wsu:Id was changed, the Body reference resolves to nothing"),
        (Net + "as4-soap-signed-pullrequest.xml", "", "", null, "xmlsec1 VALID 2/2"),
        (Net + "as4-pullrequest-warning.xml", "", "", "AS4.DIGEST_MISMATCH", "parser sample: reformatted, header digest no longer matches"),
        (Net + "Receipt_InvalidNRI_Namespace.as4", "", "", "AS4.SIGNATURE_KEY_UNAVAILABLE", "NEGATIVE (NRI namespace); its QuoVadis IssuerSerial certificate is not in the corpus"),
        (Net + "rssbus_message.as4", "", "unchecked", null, "SignatureValue and XML digests VALID; cid: encrypted"),
        (Net + "as4_flame_envelope.as4", "", "unchecked", null, "SignatureValue and XML digests VALID; attachments not included"),
        ("eessi-as4.net/source/Eu.EDelivery.AS4.ComponentTests/Resources/c3_minderreceiveagent_request.as4", "", "unchecked", null, "SignatureValue and XML digests VALID; cid: encrypted"),
        ("eessi-as4.net/source/Eu.EDelivery.AS4.IntegrationTests/Resources/8.1.21-message.xml", "AccessPointB.crt.pem", "", null, "xmlsec1 VALID 2/2 (SKI of AccessPointB, rsa-sha384)"),
        (DomibusTest + "SoapRequest.xml", "domibus-blue_gw.crt.pem", "unchecked no-coverage", null, "SignatureValue valid with blue_gw (SKI); signs eb:Messaging and cid:message, not the Body"),
        (DomibusTest + "MSHAS4Request-signOnly.xml", "", "unchecked", "AS4.DIGEST_MISMATCH", "parser sample: reformatted, Messaging digest no longer matches"),
        (DomibusTest + "MSHAS4Response-signOnly.xml", "domibus-red_gw.crt.pem", "", "AS4.DIGEST_MISMATCH", "parser sample: reformatted, red_gw by SKI"),
        (Domibus + "bst_x509v3_incoming_message.xml", "", "unchecked", "AS4.DIGEST_MISMATCH", "parser sample: pretty-printed"),
        (Domibus + "bst_X509PKIPathv1_incoming_message.xml", "", "unchecked", "AS4.DIGEST_MISMATCH", "parser sample: pretty-printed; leaf of the X509PKIPathv1 token"),
        (Domibus + "is_incoming_message.xml", "EU.TEST leaf", "unchecked", "AS4.DIGEST_MISMATCH", "parser sample: pretty-printed; key by IssuerSerial"),
        (Domibus + "ski_incoming_message.xml", "EU.TEST leaf", "unchecked", "AS4.DIGEST_MISMATCH", "parser sample: pretty-printed; key by SKI"),
    ];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var expectation in Expectations)
        {
            data.Add(expectation.File);
        }
        return data;
    }

    private static As4Message Read(string relative)
    {
        var message = As4MessageReader.TryRead(File.ReadAllBytes(Corpus.File($"{Folder}/{relative}")), new As4ReaderLimits(), out var error);
        Assert.True(message is not null, $"{relative}: {error?.Code} {error?.Detail}");
        return message!;
    }

    private static X509Certificate2 Pem(string name) => X509Certificate2.CreateFromPem(File.ReadAllText(Corpus.File($"{Folder}/_converted/{name}")));

    private static X509Certificate2 EuTestLeaf()
    {
        var result = WsSecurityVerifier.Verify(Read(Domibus + "bst_x509v3_incoming_message.xml"), null, new As4SignaturePolicy { AllowUncheckedAttachments = true });
        return result.Key!.Certificate!;
    }

    private static As4SignatureVerification Verify(string file)
    {
        var (_, keys, policy, _, _) = Expectations.Single(e => e.File == file);
        var candidates = keys switch
        {
            "" => [],
            "EU.TEST leaf" => new[] { EuTestLeaf() },
            _ => [Pem(keys), Pem("AccessPointA.crt.pem")],
        };
        return WsSecurityVerifier.Verify(Read(file), new As4VerificationKeys { Candidates = candidates }, new As4SignaturePolicy
        {
            MinRsaKeyBits = policy.Contains("1024", StringComparison.Ordinal) ? 1024 : 2048,
            AllowUncheckedAttachments = policy.Contains("unchecked", StringComparison.Ordinal),
            RequireCoverage = !policy.Contains("no-coverage", StringComparison.Ordinal),
        });
    }

    [CorpusTheory]
    [MemberData(nameof(Files))]
    public void Each_signed_sample_gets_its_verdict(string file)
    {
        var expected = Expectations.Single(e => e.File == file);

        var result = Verify(file);

        Assert.True(expected.Code == result.Code, $"{file} ({expected.Why}): expected {expected.Code ?? "VALID"}, got {result.Code ?? "VALID"} {result.Detail}");
        if (expected.Code is null)
        {
            Assert.True(result.SignatureValueValid);
            Assert.All(result.References, r => Assert.True(
                r.Status == As4ReferenceStatus.Valid || (r.Target == As4ReferenceTarget.Attachment && r.Status is As4ReferenceStatus.AttachmentAbsent or As4ReferenceStatus.AttachmentEncrypted),
                $"{r.Uri}: {r.Status}"));
            Assert.Contains(result.References, r => r.Status == As4ReferenceStatus.Valid && r.Target is As4ReferenceTarget.Body or As4ReferenceTarget.Messaging);
        }
    }

    [CorpusFact]
    public void Every_signed_sample_of_the_corpus_is_listed()
    {
        var root = Corpus.File(Folder);
        var signed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (!relative.StartsWith("_converted/", StringComparison.Ordinal)
                && As4MessageReader.TryRead(File.ReadAllBytes(path), new As4ReaderLimits(), out _) is { Security.Signatures.Count: > 0 })
            {
                signed.Add(relative);
            }
        }
        Assert.Equal(Expectations.Select(e => e.File).Order(StringComparer.Ordinal), signed.Order(StringComparer.Ordinal));
    }

    [CorpusFact]
    public void The_negative_samples_map_to_their_ebms_errors()
    {
        Assert.Equal("EBMS:0101", Verify(Phase4Verify + "dataport1.as4in").EbmsErrorCode);
        Assert.Equal(As4ReferenceStatus.DigestMismatch, Verify(Phase4Verify + "dataport1.as4in").References.Single(r => r.Target == As4ReferenceTarget.Messaging).Status);

        var untrusted = Verify(Net + "as4-soap-untrusted-signed-message.txt");
        Assert.Equal("EBMS:0101", untrusted.EbmsErrorCode);
        Assert.False(untrusted.SignatureValueValid);
        Assert.All(untrusted.References, r => Assert.Equal(As4ReferenceStatus.Valid, r.Status));

        // SOURCES.md says "tampered header digest and missing Body Id"; the bytes differ from the VALID
        // as4-soap-signed-message.txt only in the Body's wsu:Id, so the header digest verifies and the Body
        // reference resolves to nothing: FailedAuthentication all the same.
        var wrong = Verify(Net + "as4-soap-wrong-signed-message.txt");
        Assert.Equal("EBMS:0101", wrong.EbmsErrorCode);
        Assert.Equal([As4ReferenceStatus.Valid, As4ReferenceStatus.Unresolved], wrong.References.Select(r => r.Status));

        // An algorithm outside the allow-list is PolicyNoncompliance (S17), decided before any crypto.
        Assert.Equal("EBMS:0103", Verify(Phase4 + "WrongSigningAlgorithm.xml").EbmsErrorCode);
        Assert.Equal("EBMS:0103", Verify(Phase4 + "WrongSigningDigestAlgorithm.xml").EbmsErrorCode);
    }

    [CorpusFact]
    public void The_hub_policy_is_stricter_than_the_crypto_on_some_valid_samples()
    {
        var strict = new As4SignaturePolicy();

        Assert.Equal("AS4.SIGNATURE_POLICY", WsSecurityVerifier.Verify(Read(Net + "as4-soap-signed-message.txt"), null, strict).Code); // 1024-bit key (S17)
        Assert.Equal("AS4.SIGNATURE_COVERAGE", WsSecurityVerifier.Verify(Read(Phase4 + "TestReceipt11.xml"), null, strict).Code); // eb:Messaging not signed (S04)
        Assert.Equal("AS4.SIGNATURE_REFERENCE", WsSecurityVerifier.Verify(Read(Net + "rssbus_message.as4"), null, strict).Code); // encrypted payload, no key given
        var domibus = WsSecurityVerifier.Verify(Read(DomibusTest + "SoapRequest.xml"), new As4VerificationKeys { Candidates = [Pem("domibus-blue_gw.crt.pem")] }, new As4SignaturePolicy { AllowUncheckedAttachments = true });
        Assert.Equal("AS4.SIGNATURE_COVERAGE", domibus.Code); // the Body is not signed
        Assert.Contains("SubjectKeyIdentifier", domibus.Key!.Source, StringComparison.Ordinal);
    }

    [CorpusFact]
    public void The_callers_certificate_overrides_the_token()
    {
        var message = Read(Net + "as4-soap-signed-pullrequest.xml");

        var right = WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = Pem("AccessPointA.crt.pem") });
        var wrong = WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = Pem("AccessPointB.crt.pem") });

        Assert.True(right.IsValid, right.Detail);
        Assert.Equal("AS4.SIGNATURE_INVALID", wrong.Code);
    }

    [CorpusFact]
    public void The_encrypted_sample_decrypts_with_party_c_and_decompresses()
    {
        var message = Read(Net + "as4-encrypted-compressed-message.as4");
        using var partyC = System.Security.Cryptography.RSA.Create();
        partyC.ImportFromPem(File.ReadAllText(Corpus.File($"{Folder}/_converted/holodeck-partyC.key.pem")));
        using var partyA = System.Security.Cryptography.RSA.Create();
        partyA.ImportFromPem(File.ReadAllText(Corpus.File($"{Folder}/_converted/holodeck-partyA.key.pem")));

        var decrypted = As4Decryptor.TryDecrypt(message, partyC, out var error);
        var wrong = As4Decryptor.TryDecrypt(message, partyA, out var wrongError);

        Assert.True(decrypted is not null, error?.Detail);
        Assert.All(decrypted!.Attachments, a => Assert.True(a.Decrypted));
        var flower = As4Decryptor.TryGunzip(decrypted.Attachments.Single(a => a.ContentId == "flower").Content, 1 << 20, out _)!;
        var xml = As4Decryptor.TryGunzip(decrypted.Attachments.Single(a => a.ContentId == "xmldoc").Content, 1 << 20, out _)!;
        Assert.Equal([0xFF, 0xD8], flower[..2]); // a JPEG
        Assert.Equal((byte)'<', xml[0]);
        Assert.Null(wrong);
        Assert.Equal("AS4.DECRYPTION_FAILED", wrongError!.Code);
    }

    [XmlSec1CorpusFact]
    public void Xmlsec1_agrees_on_the_xml_references_of_real_samples()
    {
        foreach (var (file, pem) in new[] { (Net + "as4-soap-signed-pullrequest.xml", "AccessPointA.crt.pem"), ("eessi-as4.net/source/Eu.EDelivery.AS4.IntegrationTests/Resources/8.1.21-message.xml", "AccessPointB.crt.pem"), (Net + "as4-pullrequest-warning.xml", "AccessPointA.crt.pem") })
        {
            var ours = Verify(file);
            var (exit, output) = XmlSec1("--verify", "--pubkey-cert-pem", Corpus.File($"{Folder}/_converted/{pem}"),
                "--id-attr:Id", "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/:Messaging",
                "--id-attr:Id", "http://www.w3.org/2003/05/soap-envelope:Body",
                Corpus.File($"{Folder}/{file}"));

            Assert.True((exit == 0) == ours.IsValid, $"{file}: xmlsec1 exit {exit}, ours {ours.Code ?? "VALID"}\n{output}");
            if (exit == 0)
            {
                Assert.Contains($"SignedInfo References (ok/all): {ours.References.Count}/{ours.References.Count}", output, StringComparison.Ordinal);
            }
        }
    }

    private static (int Exit, string Output) XmlSec1(params string[] arguments)
    {
        var start = new ProcessStartInfo("xmlsec1", arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("xmlsec1 did not finish in 30 s.");
        }
        process.WaitForExit();
        return (process.ExitCode, stderr.Result + stdout.Result);
    }
}

/// <summary>A corpus fact that also needs xmlsec1 on the PATH (./test.sh installs it); skipped with the reason otherwise.</summary>
internal sealed class XmlSec1CorpusFactAttribute : FactAttribute
{
    public XmlSec1CorpusFactAttribute()
    {
        if (!Corpus.IsPresent)
        {
            Skip = $"The real-data corpus is not at {Corpus.Root}; set {Corpus.Variable} to run this test.";
        }
        else if (!OnPath("xmlsec1"))
        {
            Skip = "xmlsec1 is not installed (./test.sh installs the Debian package).";
        }
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));
}
