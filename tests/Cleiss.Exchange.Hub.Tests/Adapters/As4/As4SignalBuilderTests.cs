using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Tests.RealData;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>Receipts and Error signals the hub writes, read back by its AS4 reader; receipts as proof of delivery.</summary>
public sealed class As4SignalBuilderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static readonly As4Reference[] Sent =
    [
        new("#_ebmessaging", ["http://www.w3.org/2001/10/xml-exc-c14n#"], "http://www.w3.org/2001/04/xmlenc#sha256", "bWVzc2FnaW5n"),
        new("#_body", ["http://www.w3.org/2001/10/xml-exc-c14n#"], "http://www.w3.org/2001/04/xmlenc#sha256", "Ym9keQ=="),
        new("cid:sed-1@fr", ["http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform"], "http://www.w3.org/2001/04/xmlenc#sha256", "c2Vk"),
    ];

    private static As4SignalMessage Signal(string envelope)
    {
        var message = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(envelope), new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail);
        return Assert.Single(message!.Messaging!.SignalMessages);
    }

    [Fact]
    public void A_receipt_lists_every_signed_reference_and_proves_delivery_only_when_all_digests_match()
    {
        var signal = Signal(As4SignalBuilder.Receipt("r1@fr", At, "m1@be", Sent));

        Assert.Equal(("r1@fr", "m1@be"), (signal.MessageInfo!.MessageId, signal.MessageInfo.RefToMessageId));
        var receipt = signal.Receipt!;
        Assert.Equal(As4Namespaces.EbbpSignals, receipt.NonRepudiationNamespace);
        Assert.Equal(Sent.Select(r => (r.Uri, r.DigestMethod, r.DigestValue)), receipt.NonRepudiationReferences.Select(r => (r.Uri, r.DigestMethod, r.DigestValue)));
        Assert.True(As4SignalBuilder.ProvesDeliveryOf(receipt, Sent));

        var changed = Sent.Select((r, i) => i == 2 ? r with { DigestValue = "b3RoZXI=" } : r).ToArray();
        Assert.False(As4SignalBuilder.ProvesDeliveryOf(receipt, changed)); // S25: digests ≠ what was sent
        var partial = Signal(As4SignalBuilder.Receipt("r2@fr", At, "m1@be", Sent[..2])).Receipt!;
        Assert.False(As4SignalBuilder.ProvesDeliveryOf(partial, Sent)); // the attachment is not acknowledged
        Assert.False(As4SignalBuilder.ProvesDeliveryOf(receipt, [])); // nothing signed, nothing proved
    }

    [Fact]
    public void An_error_signal_carries_the_ebMS_code_and_its_fixed_fields()
    {
        var signal = Signal(As4SignalBuilder.Error("e1@fr", At, "m1@be", EbmsErrors.FailedAuthentication, "The signature does not verify."));

        var error = Assert.Single(signal.Errors);
        Assert.Equal(("EBMS:0101", "failure", "Processing", "FailedAuthentication", "m1@be"),
            (error.ErrorCode, error.Severity, error.Category, error.ShortDescription, error.RefToMessageInError));
        Assert.Equal("The signature does not verify.", error.Description);
        Assert.Null(signal.Receipt);
    }

    [Fact]
    public void A_receipt_for_a_multi_hop_message_routes_back_with_a_signed_RoutingInput()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=BE:AP0001", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1).CreateSelfSigned(At.AddDays(-1), At.AddDays(1));
        var signer = new Cleiss.Exchange.Hub.Trust.SigningCredentials(certificate, "k1");
        var pmode = new As4PMode { Id = "be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };
        var request = new As4UserMessageRequest("m1@fr.ap0001.eessi", At, "FR:CLEISS0002", "BE:ONSS00001", "case-1", Builders.Sample("valid/A001-outbound-1.xml"),
            MessageProperties: [new("originalSender", "FR:CLEISS0002"), new("finalRecipient", "BE:ONSS00001")]);
        var sent = As4MessageBuilder.UserMessage(pmode, request, signer);
        Assert.Contains(sent.SignedReferences, r => r.Uri == "#" + As4RoutingInput.ToId);
        var received = As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray(), new As4ReaderLimits(), out _)!;
        Assert.NotNull(received.MultiHop);
        var user = received.Messaging!.UserMessages[0];

        var signed = WsSecuritySigner.Sign(As4SignalBuilder.Receipt("r1@be", At, "m1@fr.ap0001.eessi", received.Security!.Signatures[0].References, multiHopOf: user), [], signer, At);
        var answer = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(signed.Envelope), new As4ReaderLimits(), out var error)!;

        Assert.Null(error);
        Assert.Equal((As4RoutingInput.ICloud, As4RoutingInput.NextMsh, As4RoutingInput.OneWayReceipt), (answer.MultiHop!.To, answer.MultiHop.ToRole, answer.MultiHop.Action));
        var routing = answer.MultiHop.RoutingInput!;
        Assert.Equal("m1@fr.ap0001.eessi", routing.MessageInfo!.MessageId);
        Assert.Equal(("BE:ONSS00001", "FR:CLEISS0002"), (routing.From!.PartyIds[0].Value, routing.To!.PartyIds[0].Value));
        Assert.Equal((As4PMode.DefaultMpc + ".response", "Send.response", "case-1"), (routing.Mpc, routing.Collaboration!.Action, routing.Collaboration.ConversationId));
        Assert.Equal(user.Parts.Single().Href, routing.Parts.Single().Href);
        Assert.Equal(["#_ts", "#_ebmessaging", "#_body", "#_wsato", "#_wsaaction", "#_routinginput"], signed.References.Select(r => r.Uri));
        Assert.True(Cleiss.Exchange.Adapters.As4.Security.WsSecurityVerifier.Verify(answer, new Cleiss.Exchange.Adapters.As4.Security.As4VerificationKeys { Override = certificate }).IsValid);
        var tampered = signed.Envelope.Replace("Send.response", "Send.request", StringComparison.Ordinal);
        var changed = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(tampered), new As4ReaderLimits(), out _)!;
        Assert.False(Cleiss.Exchange.Adapters.As4.Security.WsSecurityVerifier.Verify(changed, new Cleiss.Exchange.Adapters.As4.Security.As4VerificationKeys { Override = certificate }).IsValid);
    }

    [CorpusFact]
    public void A_receipt_for_a_real_signed_message_repeats_its_references()
    {
        var received = As4MessageReader.TryRead(File.ReadAllBytes(Corpus.File("as4-samples/eessi-as4.net/source/Eu.EDelivery.AS4.UnitTests/Resources/as4-soap-signed-message.txt")), new As4ReaderLimits(), out var error)!;
        Assert.Null(error);
        var references = Assert.Single(received.Security!.Signatures).References;
        var user = received.Messaging!.UserMessages[0];

        var receipt = Signal(As4SignalBuilder.Receipt("r@fr", At, user.MessageInfo!.MessageId!, references)).Receipt!;

        Assert.Equal(references.Count, receipt.NonRepudiationReferences.Count);
        Assert.True(As4SignalBuilder.ProvesDeliveryOf(receipt, references));
    }
}
