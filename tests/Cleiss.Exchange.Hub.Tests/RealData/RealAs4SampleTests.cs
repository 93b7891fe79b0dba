using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;

namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>
/// The AS4 reader on real messages nobody here wrote (as4-samples, see its SOURCES.md: phase4 Apache-2.0,
/// eessi-as4.net EUPL-1.1, Domibus EUPL-1.2). Every file is either a message that parses or listed below with why it is not one.
/// </summary>
public sealed class RealAs4SampleTests
{
    private const string Folder = "as4-samples";
    private const string Phase4 = "phase4/phase4-test/src/test/resources/testfiles/";
    private const string Phase4Lib = "phase4/phase4-lib/src/test/resources/external/";
    private const string Phase4Verify = "phase4/phase4-peppol-client/src/test/resources/external/verify/";
    private const string Net = "eessi-as4.net/source/Eu.EDelivery.AS4.UnitTests/Resources/";
    private const string Domibus = "domibus/Domibus-MSH/src/test/resources/dataset/as4/";
    private const string DomibusTest = "domibus/Domibus-MSH-test/src/main/resources/dataset/as4/";
    private const string Nextmsh = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/part2/200811/nextmsh";

    /// <summary>Files of the corpus that are not AS4 messages: the code the reader answers, and why.</summary>
    private static readonly Dictionary<string, (string Code, string Why)> NotMessages = new(StringComparer.Ordinal)
    {
        ["SOURCES.md"] = (ExchangeErrors.As4UnrecognisedFormat, "the provenance table of the corpus (Markdown)"),
        ["phase4/phase4-test/src/main/resources/keys/dummy-pw-test.jks"] = (ExchangeErrors.As4UnrecognisedFormat, "JKS keystore (binary)"),
        ["domibus/Domibus-MSH/src/main/conf/domibus/keystores/gateway_keystore.jks"] = (ExchangeErrors.As4UnrecognisedFormat, "JKS keystore (binary)"),
        ["domibus/Domibus-MSH/src/main/conf/domibus/keystores/gateway_truststore.jks"] = (ExchangeErrors.As4UnrecognisedFormat, "JKS truststore (binary)"),
        ["eessi-as4.net/output/samples/certificates/AccessPointA.pfx"] = (ExchangeErrors.As4UnrecognisedFormat, "PKCS#12 keystore (DER)"),
        ["eessi-as4.net/output/samples/certificates/AccessPointB.pfx"] = (ExchangeErrors.As4UnrecognisedFormat, "PKCS#12 keystore (DER)"),
        ["eessi-as4.net/output/samples/certificates/AccessPointA.cer"] = (ExchangeErrors.As4UnrecognisedFormat, "X.509 certificate (DER)"),
        ["eessi-as4.net/output/samples/certificates/AccessPointB.cer"] = (ExchangeErrors.As4UnrecognisedFormat, "X.509 certificate (DER)"),
        ["eessi-as4.net/output/samples/certificates/README.txt"] = (ExchangeErrors.As4UnrecognisedFormat, "the passwords of the sample keystores (text)"),
        [Net + "holodeck-partya-certificate.pfx"] = (ExchangeErrors.As4UnrecognisedFormat, "PKCS#12 keystore (DER)"),
        [Net + "partyC.p12"] = (ExchangeErrors.As4UnrecognisedFormat, "PKCS#12 keystore (DER)"),
        ["eessi-as4.net/output/messages/attachments/defaultSED.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "a payload: the SBDH+SED an AS4 message carries as its attachment"),
        ["eessi-as4.net/output/samples/pmodes/eessi/eessi-push-send-pmode.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "AS4.NET P-Mode (configuration)"),
        ["eessi-as4.net/output/samples/pmodes/eessi/eessi-pull-send-pmode.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "AS4.NET P-Mode (configuration)"),
        ["eessi-as4.net/output/samples/pmodes/eessi/eessi-pull-receive-pmode.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "AS4.NET P-Mode (configuration)"),
        ["eessi-as4.net/output/samples/pmodes/03-sample-send-pmode.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "AS4.NET P-Mode (configuration)"),
        ["eessi-as4.net/output/config/integrationtest-settings/integrationtest-pmodes/send-pmodes/pmode-multihop.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "AS4.NET P-Mode (configuration)"),
        ["domibus/Domibus-MSH-soapui-tests/src/main/soapui/domibus-gw-sample-pmode-blue.xml"] = (ExchangeErrors.As4NotSoapEnvelope, "Domibus P-Mode (configuration)"),
    };

    private static As4Message Read(string relative)
    {
        var message = As4MessageReader.TryRead(File.ReadAllBytes(Corpus.File($"{Folder}/{relative}")), new As4ReaderLimits(), out var error);
        Assert.True(message is not null, $"{relative}: {error?.Code} {error?.Detail}");
        return message!;
    }

    [CorpusFact]
    public void Every_sample_is_a_message_that_parses_or_is_listed_with_why_it_is_not_one()
    {
        var root = Corpus.File(Folder);
        var failures = new List<string>();
        var parsed = 0;
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.StartsWith("_converted/", StringComparison.Ordinal))
            {
                continue; // PEM exports derived from the keystores above (keys and certificates, not messages)
            }
            var message = As4MessageReader.TryRead(File.ReadAllBytes(path), new As4ReaderLimits(), out var error);
            if (NotMessages.TryGetValue(relative, out var expected))
            {
                if (message is not null || error!.Code != expected.Code)
                {
                    failures.Add($"{relative} ({expected.Why}) should be refused with {expected.Code}, got {(message is null ? error!.Code : "a message")}");
                }
            }
            else if (message is null)
            {
                failures.Add($"{relative}: {error!.Code} {error.Detail}");
            }
            else
            {
                parsed++;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(37, parsed);
        Assert.All(NotMessages.Keys, relative => Assert.True(File.Exists(Path.Combine(root, relative)), relative));
    }

    [CorpusFact]
    public void Soap_1_1_and_1_2_are_told_apart()
    {
        foreach (var soap11 in new[] { Phase4 + "TestReceipt11.xml", Phase4Lib + "soap11test/BundledMessage.xml", Phase4Lib + "soap11test/PullRequest.xml", Phase4Lib + "soap11test/ReceiptMessage.xml" })
        {
            Assert.Equal(As4SoapVersion.Soap11, Read(soap11).SoapVersion);
        }
        foreach (var soap12 in new[] { Phase4 + "TwoUserMessages.xml", Phase4Lib + "soap12test/test-2023-03-15.xml", Net + "multihopreceipt.xml", Domibus + "ski_incoming_message.xml" })
        {
            Assert.Equal(As4SoapVersion.Soap12, Read(soap12).SoapVersion);
        }
    }

    [CorpusFact]
    public void The_negative_sample_with_two_user_messages_has_two()
    {
        var message = Read(Phase4 + "TwoUserMessages.xml");

        Assert.Equal(2, message.Messaging!.UserMessages.Count);
        Assert.Contains(message.Notes, n => n.Contains("AS4 allows one", StringComparison.Ordinal));
    }

    [CorpusFact]
    public void Pull_requests_name_their_mpc()
    {
        Assert.Equal("http://msh.example.com/mpc123", Read(Phase4Lib + "soap11test/PullRequest.xml").Messaging!.SignalMessages.Single().PullRequest!.Mpc);
        Assert.Equal("http://example.holodeckb2b.org/mpc/2", Read(Net + "as4-soap-pullrequest.xml").Messaging!.SignalMessages.Single().PullRequest!.Mpc);
        var signed = Read(Net + "as4-soap-signed-pullrequest.xml");
        Assert.Equal("http://example.holodeckb2b.org/mpc/2", signed.Messaging!.SignalMessages.Single().PullRequest!.Mpc);
        Assert.Equal(As4KeyReferenceKind.BinarySecurityToken, signed.Security!.Signatures.Single().KeyReference.Kind);
    }

    [CorpusFact]
    public void The_empty_pull_answer_is_EBMS_0006_with_multi_hop_headers()
    {
        var message = Read(Net + "as4-pullrequest-warning.xml");

        var error = message.Messaging!.SignalMessages.Single().Errors.Single();
        Assert.Equal("EBMS:0006", error.ErrorCode);
        Assert.Equal("warning", error.Severity);
        Assert.Equal("EmptyMessagePartitionChannel", error.ShortDescription);
        Assert.Equal(Nextmsh, message.MultiHop!.ToRole);
        Assert.Equal(Nextmsh, message.Messaging.Role);
    }

    [CorpusFact]
    public void Error_signals_carry_code_severity_and_the_message_in_error()
    {
        var error = Read(Phase4 + "ErrorMessage.xml").Messaging!.SignalMessages.Single().Errors.Single();
        Assert.Equal("EBMS:0001", error.ErrorCode);
        Assert.Equal("ValueNotRecognized", error.ShortDescription);
        Assert.Equal("ph-as4@42ec020f-9553-4b6d-ba8e-265cf1f6fd34", error.RefToMessageInError);

        var withFault = Read(Phase4 + "ErrorMessageWithFault.xml");
        Assert.Equal("EBMS:0103", withFault.Messaging!.SignalMessages.Single().Errors.Single().ErrorCode);
        Assert.Equal("env:Receiver", withFault.Body.Fault!.Code);
    }

    [CorpusFact]
    public void A_bundle_carries_a_user_message_two_errors_and_a_pull_request()
    {
        var messaging = Read(Phase4Lib + "soap11test/BundledMessage.xml").Messaging!;

        Assert.Single(messaging.UserMessages);
        Assert.Equal(["EBMS:0001", "0101"], messaging.SignalMessages.SelectMany(s => s.Errors).Select(e => e.ErrorCode));
        Assert.Equal("http://msh.example.com/mpc123", messaging.SignalMessages.Single(s => s.PullRequest is not null).PullRequest!.Mpc);
    }

    [CorpusTheory]
    [InlineData(Domibus + "bst_x509v3_incoming_message.xml", As4KeyReferenceKind.BinarySecurityToken, "X509v3")]
    [InlineData(Domibus + "bst_X509PKIPathv1_incoming_message.xml", As4KeyReferenceKind.BinarySecurityToken, "X509PKIPathv1")]
    [InlineData(Domibus + "ski_incoming_message.xml", As4KeyReferenceKind.SubjectKeyIdentifier, "X509SubjectKeyIdentifier")]
    [InlineData(Domibus + "is_incoming_message.xml", As4KeyReferenceKind.IssuerSerial, null)]
    [InlineData(DomibusTest + "SoapRequest.xml", As4KeyReferenceKind.SubjectKeyIdentifier, "X509SubjectKeyIdentifier")]
    [InlineData("eessi-as4.net/source/Eu.EDelivery.AS4.IntegrationTests/Resources/8.1.21-message.xml", As4KeyReferenceKind.SubjectKeyIdentifier, "X509SubjectKeyIdentifier")]
    [InlineData(Net + "Receipt_InvalidNRI_Namespace.as4", As4KeyReferenceKind.IssuerSerial, null)]
    [InlineData(Phase4Verify + "helger.as4in", As4KeyReferenceKind.BinarySecurityToken, "X509v3")]
    public void The_signature_key_reference_kind_is_recognised(string relative, As4KeyReferenceKind kind, string? valueType)
    {
        var key = Read(relative).Security!.Signatures.Single().KeyReference;

        Assert.Equal(kind, key.Kind);
        Assert.Equal(valueType, key.ValueType);
        if (kind == As4KeyReferenceKind.BinarySecurityToken)
        {
            Assert.True(key.TokenPresent);
        }
    }

    [CorpusFact]
    public void The_domibus_samples_sign_the_attachment_and_encrypt_it_with_aes128_gcm()
    {
        var security = Read(Domibus + "is_incoming_message.xml").Security!;

        var references = security.Signatures.Single().References;
        Assert.Equal(3, references.Count);
        var cid = Assert.Single(references, r => r.Uri == "cid:message");
        Assert.Equal(["http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform"], cid.Transforms);
        Assert.Equal("http://www.w3.org/2009/xmlenc11#rsa-oaep", security.EncryptedKeys.Single().Algorithm);
        Assert.Equal(As4KeyReferenceKind.IssuerSerial, security.EncryptedKeys.Single().KeyReference.Kind);
        Assert.Equal("http://www.w3.org/2009/xmlenc11#aes128-gcm", security.EncryptedData.Single().Algorithm);
        Assert.Equal("cid:message", security.EncryptedData.Single().CipherReference);
    }

    [CorpusTheory]
    [InlineData("phase4/phase4-peppol-client/src/test/resources/dump-raw.as4out", As4Framing.Mime, 1)]
    [InlineData(Phase4 + "WrongCompression.mime", As4Framing.Mime, 1)]
    [InlineData(Net + "as4-encrypted-compressed-message.as4", As4Framing.Mime, 2)]
    [InlineData(Net + "rssbus_message.as4", As4Framing.Mime, 1)]
    [InlineData("eessi-as4.net/source/Eu.EDelivery.AS4.ComponentTests/Resources/c3_minderreceiveagent_request.as4", As4Framing.Mime, 2)]
    [InlineData(Net + "Receipt_InvalidNRI_Namespace.as4", As4Framing.Mime, 0)]
    [InlineData(Phase4Verify + "helger.as4in", As4Framing.HttpSoap, 0)]
    [InlineData(Net + "as4_flame_envelope.as4", As4Framing.Soap, 0)]
    public void Mime_samples_have_their_attachments(string relative, As4Framing framing, int attachments)
    {
        var message = Read(relative);

        Assert.Equal(framing, message.Framing);
        Assert.Equal(attachments, message.Attachments.Count);
    }

    [CorpusFact]
    public void The_phase4_raw_message_is_signed_encrypted_and_compressed_over_its_one_attachment()
    {
        var message = Read("phase4/phase4-peppol-client/src/test/resources/dump-raw.as4out");

        var attachment = message.Attachments.Single();
        Assert.Equal("phase4-att-ff0f8ad5-f982-48ba-b8e2-26997600f496@cid", attachment.ContentId);
        Assert.Equal(attachment.Size, attachment.Content.Length);
        Assert.Equal("application/soap+xml", message.SoapPart!.ContentType);
        var part = message.Messaging!.UserMessages.Single().Parts.Single();
        Assert.Equal("cid:" + attachment.ContentId, part.Href);
        Assert.Equal("application/gzip", part.CompressionType);
        Assert.Equal("application/xml", part.MimeType);
        Assert.Equal(3, message.Security!.Signatures.Single().References.Count);
        Assert.Equal("http://www.w3.org/2009/xmlenc11#mgf1sha256", message.Security.EncryptedKeys.Single().MaskGenerationFunction);
        Assert.Equal("http://www.w3.org/2009/xmlenc11#aes128-gcm", message.Security.EncryptedData.Single().Algorithm);
    }

    [CorpusFact]
    public void The_multi_hop_receipt_carries_the_eessi_routing_input()
    {
        var message = Read(Net + "multihopreceipt.xml");

        Assert.Equal(Nextmsh, message.MultiHop!.ToRole);
        Assert.Equal("http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/oneWay.receipt", message.MultiHop.Action);
        var routing = message.MultiHop.RoutingInput!;
        Assert.Equal("UK:UK010", routing.From!.PartyIds.Single().Value);
        Assert.Equal("urn:eu:europa:ec:dgempl:eessi:ir", routing.From.PartyIds.Single().Type);
        Assert.Equal("UK:UK001", routing.To!.PartyIds.Single().Value);
        Assert.Equal("BusinessMessaging", routing.Collaboration!.Service);
        Assert.Equal("urn:eu:europa:ec:dgempl:eessi", routing.Collaboration.ServiceType);
        Assert.Equal("SED", routing.Parts.Single().Properties.Single(p => p.Name == "PartType").Value);
        var receipt = message.Messaging!.SignalMessages.Single();
        Assert.Equal(routing.MessageInfo!.MessageId, receipt.MessageInfo!.RefToMessageId);
        Assert.Equal(3, receipt.Receipt!.NonRepudiationReferences.Count);
        Assert.Contains(receipt.Receipt.NonRepudiationReferences, r => r.Uri == "cid:defaultSED");
    }

    [CorpusFact]
    public void Receipts_list_the_references_received_or_embed_the_user_message()
    {
        var helger = Read(Phase4Verify + "helger.as4in").Messaging!.SignalMessages.Single().Receipt!;
        Assert.Equal(2, helger.NonRepudiationReferences.Count(r => r.Uri!.StartsWith('#')));
        Assert.Single(helger.NonRepudiationReferences, r => r.Uri!.StartsWith("cid:", StringComparison.Ordinal));

        var pretty = Read(Net + "receipt.xml").Messaging!.SignalMessages.Single().Receipt!;
        Assert.Equal(2, pretty.NonRepudiationReferences.Count(r => r.Uri!.StartsWith("cid:", StringComparison.Ordinal)));

        var embedded = Read(Phase4 + "TestReceipt11.xml").Messaging!.SignalMessages.Single();
        Assert.Equal("ph-as4@2babaddd-282e-461e-b645-730c5abebcce", embedded.Receipt!.EmbeddedUserMessage!.MessageInfo!.MessageId);
        Assert.Equal(embedded.MessageInfo!.RefToMessageId, embedded.Receipt.EmbeddedUserMessage.MessageInfo.MessageId);
    }

    [CorpusFact]
    public void The_receipt_with_the_wrong_nri_namespace_is_read_and_noted()
    {
        var message = Read(Net + "Receipt_InvalidNRI_Namespace.as4");

        Assert.Equal(3, message.Messaging!.SignalMessages.Single().Receipt!.NonRepudiationReferences.Count);
        Assert.Contains(message.Notes, n => n.Contains("NonRepudiationInformation Reference is in namespace ''", StringComparison.Ordinal));
    }

    [CorpusFact]
    public void Http_captures_are_read_even_when_the_soap_namespace_has_an_odd_prefix()
    {
        var message = Read(Phase4Verify + "dataport1-mustunderstand.as4in");

        Assert.Equal(As4Framing.HttpSoap, message.Framing);
        Assert.Contains(message.TransportHeaders, h => h.Name == "Server" && h.Value == "HolodeckB2B/4.1");
        Assert.True(message.Messaging!.MustUnderstand);
        Assert.Contains(message.Notes, n => n.Contains("chunked", StringComparison.Ordinal));
    }

    [CorpusFact]
    public void Negative_algorithm_and_compression_samples_are_read_as_written()
    {
        Assert.Equal("http://www.randomcrypt.com/random", Read(Phase4 + "WrongSigningAlgorithm.xml").Security!.Signatures.Single().SignatureMethod);
        Assert.Contains(Read(Phase4 + "WrongSigningDigestAlgorithm.xml").Security!.Signatures.Single().References, r => r.DigestMethod == "http://www.randomdigest.com/randomdigest");
        var compression = Read(Phase4 + "WrongCompression.mime");
        Assert.Equal("application/rar", compression.Messaging!.UserMessages.Single().Parts.Single().CompressionType);
        Assert.Contains(compression.Notes, n => n.Contains("application/rar", StringComparison.Ordinal));
        Assert.Equal("application/gzip", Read(Phase4Lib + "soap12test/test-2023-03-15.xml").Messaging!.UserMessages.Single().Parts.Single().CompressionType);
    }

    [CorpusFact]
    public void A_domibus_fault_is_a_soap_envelope_without_messaging()
    {
        var message = Read(DomibusTest + "blue2redMessageFaultResponse.xml");

        Assert.Null(message.Messaging);
        Assert.Equal("soap:Sender", message.Body.Fault!.Code);
    }
}
