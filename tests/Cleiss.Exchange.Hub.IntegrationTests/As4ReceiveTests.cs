using System.Net.Http.Headers;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// A Belgian access point pushes an AS4 user message (built and WS-Security-signed by the hub's own AS4 code with
/// the partner's registered key) to the hub's /as4 endpoint: receipt, dedup on MessageId, and ebMS errors.
/// </summary>
public sealed class As4ReceiveTests : IClassFixture<HubRig>
{
    private static readonly As4PMode ToFrance = new() { Id = "be-to-fr", AccessPointId = "FR:AP0001", Url = "https://fr.example/as4" };
    private readonly HubRig _rig;

    public As4ReceiveTests(HubRig rig) => _rig = rig;

    private SigningCredentials PartnerKey() =>
        new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = _rig.PartnerData, AccessPointId = "BE:AP0001" }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;

    /// <summary>A fresh inbound SED, business-signed by the partner, wrapped in an AS4 user message signed by <paramref name="key"/>.</summary>
    private (As4OutboundMessage Sent, SbdhHeader Header) UserMessage(SigningCredentials key, string? messageId = null, DateTimeOffset? signedAt = null)
    {
        var stored = HubRig.Fresh("valid/A001-inbound-1.xml");
        var document = HardenedXml.TryLoad(stored, new IntakeOptions(), "test", out _)!;
        var header = SbdhReader.TryRead(document, out _, out _)!;
        var sed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, PartnerKey(), out _);
        var request = new As4UserMessageRequest(messageId ?? $"{Guid.NewGuid():N}@be.example", DateTimeOffset.UtcNow,
            header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, sed);
        return (As4MessageBuilder.UserMessage(ToFrance, request, key, signedAt), header);
    }

    private async Task<(int Status, As4SignalMessage Signal, As4Message Message)> PostAsync(As4OutboundMessage sent, byte[]? body = null)
    {
        var content = new ByteArrayContent(body ?? sent.Body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(sent.ContentType);
        using var response = await _rig.Api.PostAsync("/as4", content);
        var answer = await response.Content.ReadAsByteArrayAsync();
        var message = As4MessageReader.TryRead(answer, new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail ?? Encoding.UTF8.GetString(answer));
        return ((int)response.StatusCode, Assert.Single(message!.Messaging!.SignalMessages), message);
    }

    private X509Cert HubCertificate() => new(SigningKeyStore.CertificatePath(_rig.HubData));

    private sealed record X509Cert(string Path)
    {
        public System.Security.Cryptography.X509Certificates.X509Certificate2 Load() =>
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path));
    }

    [Fact]
    public async Task A_signed_user_message_is_accepted_with_a_signed_receipt_that_proves_delivery_and_a_resend_delivers_nothing_twice()
    {
        var (sent, header) = UserMessage(PartnerKey());
        var messageId = sent.Envelope[(sent.Envelope.IndexOf("<eb:MessageId>", StringComparison.Ordinal) + 14)..].Split('<')[0];

        var (status, signal, answer) = await PostAsync(sent);
        var first = await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(messageId, CancellationToken.None);
        var (again, resent, _) = await PostAsync(sent);
        var afterResend = await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(messageId, CancellationToken.None);

        Assert.Equal(200, status);
        Assert.Equal(messageId, signal.MessageInfo!.RefToMessageId);
        Assert.True(As4SignalBuilder.ProvesDeliveryOf(signal.Receipt!, sent.SignedReferences));
        Assert.True(WsSecurityVerifier.Verify(answer, new As4VerificationKeys { Override = HubCertificate().Load() }).IsValid, "the receipt is signed by the hub");
        Assert.NotNull(first);
        var view = await _rig.WaitForAsync(first.Value.DocumentId, "delivered", "failed");
        Assert.Equal("delivered", view.Status);
        Assert.Equal(header.CaseId, view.CaseId);
        Assert.Equal(200, again);
        Assert.True(As4SignalBuilder.ProvesDeliveryOf(resent.Receipt!, sent.SignedReferences));
        Assert.Equal(first, afterResend);
    }

    [Fact]
    public async Task A_changed_attachment_or_an_unregistered_key_gets_FailedAuthentication_and_nothing_is_stored()
    {
        var (sent, _) = UserMessage(PartnerKey());
        var tampered = (byte[])sent.Body.Clone();
        tampered[^60] ^= 0x01;
        var stranger = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = Path.Combine(_rig.Root, "stranger"), AccessPointId = "BE:AP0001" }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
        var (forged, _) = UserMessage(stranger);

        var (status, signal, _) = await PostAsync(sent, tampered);
        var (forgedStatus, forgedSignal, _) = await PostAsync(forged);

        Assert.Equal(403, status);
        Assert.Equal("EBMS:0101", Assert.Single(signal.Errors).ErrorCode);
        Assert.Equal(403, forgedStatus);
        Assert.Equal("EBMS:0101", Assert.Single(forgedSignal.Errors).ErrorCode);
        var messageIds = _rig.Hub.Services.GetRequiredService<IMessageIdStore>();
        Assert.Null(await messageIds.FindAsync(forged.Envelope[(forged.Envelope.IndexOf("<eb:MessageId>", StringComparison.Ordinal) + 14)..].Split('<')[0], CancellationToken.None));
    }

    [Fact]
    public async Task The_same_MessageId_with_other_content_is_refused_and_nothing_of_it_is_accepted()
    {
        var messageId = $"{Guid.NewGuid():N}@be.example";
        var (first, _) = UserMessage(PartnerKey(), messageId);
        var (other, otherHeader) = UserMessage(PartnerKey(), messageId); // a fresh SED: other content, same id

        var (status, _, _) = await PostAsync(first);
        var (conflict, signal, _) = await PostAsync(other);

        Assert.Equal(200, status);
        Assert.Equal(409, conflict);
        Assert.Equal("EBMS:0004", Assert.Single(signal.Errors).ErrorCode);
        var cases = await _rig.Api.GetAsync($"/api/v1/cases/{Uri.EscapeDataString(otherHeader.CaseId)}");
        Assert.Equal(404, (int)cases.StatusCode); // the second case was never opened: its SED was not accepted
    }

    [Theory]
    [InlineData(-60)] // expired 55 minutes ago (S21: a replay long after)
    [InlineData(60)] // created an hour from now
    public async Task A_message_whose_signed_timestamp_is_outside_the_window_is_refused(int minutes)
    {
        var (sent, _) = UserMessage(PartnerKey(), signedAt: DateTimeOffset.UtcNow.AddMinutes(minutes));

        var (status, signal, _) = await PostAsync(sent);

        Assert.Equal(403, status);
        Assert.Equal("EBMS:0101", Assert.Single(signal.Errors).ErrorCode);
        Assert.Contains("Timestamp", Assert.Single(signal.Errors).Description, StringComparison.Ordinal);
    }
}
