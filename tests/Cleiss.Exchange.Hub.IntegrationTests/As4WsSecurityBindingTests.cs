using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The S cases of the WS-Security path that need the whole hub: S13, a message signed by another trusted access
/// point's key while eb:From claims a Belgian institution, is refused as FailedAuthentication; S10, a comment injected
/// into a signed eb:MessageId after signing keeps the signature (exclusive C14N without comments) and the hub reads
/// the whole value, never a truncated one. And a foreign Content-ID with ':' (not a strict RFC 5322 msg-id, which
/// MimeKit's parsed ContentId drops) is signed, resolved and delivered.
/// </summary>
public sealed class As4WsSecurityBindingTests : IClassFixture<HubRig>
{
    private readonly HubRig _rig;
    private readonly As4HostileSender _sender;

    public As4WsSecurityBindingTests(HubRig rig)
    {
        _rig = rig;
        _sender = new As4HostileSender(rig);
    }

    [Fact]
    public async Task S13_a_message_signed_by_another_trusted_access_point_for_a_Belgian_sender_is_FailedAuthentication()
    {
        var german = new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = Path.Combine(_rig.Root, "de-ap"), AccessPointId = "DE:AP0001" }),
            TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Current;
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_rig.Root, "de-ap")), Path.Combine(TrustStore.Folder(_rig.HubData), "de.pem"), overwrite: true);
        Assert.NotEmpty(_rig.Hub.Services.GetRequiredService<TrustStore>().FindAll("DE:AP0001")); // trusted, but for DE:AP0001
        var draft = _sender.NewDraft();
        var signed = _sender.Sign(draft.Envelope, [new SignedAttachment(draft.PayloadId, draft.Sed)], german);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, (draft.PayloadId, "application/xml", draft.Sed)));

        await _sender.AssertRefusedAsync(answer, 403, "EBMS:0101", draft);
    }

    [Theory]
    [InlineData("sed@host.example:8080")]
    [InlineData("urn:uuid:6f1c2a4e-0b7d-4e5a-9c21-3d6c8b7a5f40")]
    public async Task A_foreign_Content_ID_with_colons_is_resolved_verified_and_accepted(string contentId)
    {
        var draft = _sender.NewDraft();
        var envelope = draft.Envelope.Replace($"href=\"cid:{draft.PayloadId}\"", $"href=\"cid:{contentId}\"", StringComparison.Ordinal);
        var signed = _sender.Sign(envelope, [new SignedAttachment(contentId, draft.Sed)]);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(signed, (contentId, "application/xml", draft.Sed)));

        Assert.True(answer.Status == 200, string.Join(" ", answer.Signal.Errors.Select(e => e.ErrorCode + " " + e.Description)));
        Assert.Contains(answer.Signal.Receipt!.NonRepudiationReferences, r => r.Uri == "cid:" + contentId);
        Assert.NotNull(await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId, CancellationToken.None));
    }

    [Fact]
    public async Task S10_a_comment_injected_into_the_signed_MessageId_keeps_the_signature_and_the_whole_id_is_read()
    {
        var draft = _sender.NewDraft();
        var (envelope, sed) = _sender.Valid(draft);
        var split = draft.MessageId.IndexOf('@', StringComparison.Ordinal);
        var commented = envelope.Replace($"<eb:MessageId>{draft.MessageId}</eb:MessageId>",
            $"<eb:MessageId>{draft.MessageId[..split]}<!---->{draft.MessageId[split..]}</eb:MessageId>", StringComparison.Ordinal);
        Assert.NotEqual(envelope, commented);

        var answer = await _sender.PostAsync(As4HostileSender.Mime(commented, sed));

        Assert.Equal(200, answer.Status);
        Assert.Equal(draft.MessageId, answer.Signal.MessageInfo!.RefToMessageId);
        Assert.NotNull(await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId, CancellationToken.None));
        Assert.Null(await _rig.Hub.Services.GetRequiredService<IMessageIdStore>().FindAsync(draft.MessageId[..split], CancellationToken.None));
    }
}
