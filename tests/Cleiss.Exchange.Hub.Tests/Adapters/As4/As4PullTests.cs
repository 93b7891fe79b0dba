using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>AS4 pull (ebMS3 One-Way/Pull): the signed PullRequest, the EBMS:0006 answer, pull P-Modes and their MPCs.</summary>
public sealed class As4PullTests : IDisposable
{
    private const string Mpc = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC/BE:AP0001";
    private static readonly DateTimeOffset At = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static As4Message Read(string envelope)
    {
        var message = As4MessageReader.TryRead(Encoding.UTF8.GetBytes(envelope), new As4ReaderLimits(), out var error);
        Assert.True(message is not null, error?.Detail);
        return message!;
    }

    [Fact]
    public void A_signed_PullRequest_names_its_MPC_and_verifies_with_the_pulling_access_points_key_only()
    {
        var key = Builders.Key(_folder, "BE:AP0001");
        var other = Builders.Key(_folder, "XX:OTHER01");

        var signed = WsSecuritySigner.Sign(As4SignalBuilder.PullRequest("p1@be", At, Mpc), [], key, At);
        var message = Read(signed.Envelope);

        var signal = Assert.Single(message.Messaging!.SignalMessages);
        Assert.Equal(Mpc, signal.PullRequest!.Mpc);
        Assert.Equal("p1@be", signal.MessageInfo!.MessageId);
        Assert.Null(signal.MessageInfo.RefToMessageId);
        Assert.Empty(message.Messaging.UserMessages);
        Assert.True(WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = key.Certificate }).IsValid);
        Assert.False(WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = other.Certificate }).IsValid);
        Assert.Equal(["#_ts", "#_ebmessaging", "#_body"], signed.References.Select(r => r.Uri)); // the mpc attribute is inside eb:Messaging
    }

    [Fact]
    public void A_PullRequest_whose_MPC_was_changed_after_signing_no_longer_verifies()
    {
        var key = Builders.Key(_folder, "BE:AP0001");
        var signed = WsSecuritySigner.Sign(As4SignalBuilder.PullRequest("p1@be", At, Mpc), [], key, At).Envelope;

        var other = Read(signed.Replace("defaultMPC/BE:AP0001", "defaultMPC/NL:AP0001", StringComparison.Ordinal));

        Assert.Equal("AS4.DIGEST_MISMATCH", WsSecurityVerifier.Verify(other, new As4VerificationKeys { Override = key.Certificate }).Code);
    }

    [Fact]
    public void The_empty_MPC_answer_is_EBMS_0006_a_warning_about_the_PullRequest()
    {
        var signal = Assert.Single(Read(As4SignalBuilder.Error("e1@fr", At, "p1@be", EbmsErrors.EmptyMessagePartitionChannel, "No message waits in this MPC.")).Messaging!.SignalMessages);

        var error = Assert.Single(signal.Errors);
        Assert.Equal(("EBMS:0006", "warning", "Communication", "EmptyMessagePartitionChannel", "p1@be"),
            (error.ErrorCode, error.Severity, error.Category, error.ShortDescription, error.RefToMessageInError));
        Assert.Null(signal.PullRequest);
        Assert.Null(signal.Receipt);
    }

    [Fact]
    public void A_pull_P_Mode_owns_its_MPC_or_one_MPC_per_institution_under_it()
    {
        const string Base = "urn:cleiss:mpc:be";
        var single = new As4PMode { Id = "be-pull", AccessPointId = "BE:AP0001", Mep = "Pull", Mpc = Base };
        var perInstitution = new As4PMode { Id = "nl-pull", AccessPointId = "NL:AP0001", Mep = "Pull", Mpc = "urn:cleiss:mpc:nl", MpcPerInstitution = true };
        var push = new As4PMode { Id = "de-push", AccessPointId = "DE:AP0001", Url = "https://de.example/as4", Mpc = "urn:cleiss:mpc:de" };
        var options = new As4Options { PModes = [single, perInstitution, push] };

        Assert.Equal(Base, single.MpcFor("BE:1001"));
        Assert.Equal("urn:cleiss:mpc:nl/NL:1001", perInstitution.MpcFor("NL:1001"));
        Assert.Same(single, options.PullPModeFor(Base));
        Assert.Same(perInstitution, options.PullPModeFor("urn:cleiss:mpc:nl/NL:1001"));
        Assert.Null(options.PullPModeFor("urn:cleiss:mpc:nl")); // the base of per-institution MPCs is not itself one
        Assert.Null(options.PullPModeFor("urn:cleiss:mpc:nl/NL:1001/x"));
        Assert.Null(options.PullPModeFor(Base + "/BE:1001"));
        Assert.Null(options.PullPModeFor("urn:cleiss:mpc:de")); // a push P-Mode's MPC cannot be pulled
    }

    [Fact]
    public void A_user_message_for_a_per_institution_MPC_carries_that_MPC()
    {
        var pmode = new As4PMode { Id = "nl-pull", AccessPointId = "NL:AP0001", Mep = "Pull", Mpc = "urn:cleiss:mpc:nl", MpcPerInstitution = true };
        var request = new As4UserMessageRequest("m-1@cleiss.fr", At, "FR:CLEISS0002", "NL:1001", "case-1", Builders.Sample("valid/A001-outbound-1.xml"),
            Mpc: pmode.MpcFor("NL:1001"));

        var sent = As4MessageBuilder.UserMessage(pmode, request);

        var wire = Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray();
        var message = As4MessageReader.TryRead(wire, new As4ReaderLimits(), out var error);
        Assert.Equal("urn:cleiss:mpc:nl/NL:1001", Assert.Single(message!.Messaging!.UserMessages).Mpc);
        Assert.Null(error);
    }

    [Fact]
    public void Pull_P_Modes_and_pulls_are_checked_at_start()
    {
        var options = new As4Options
        {
            PModes =
            [
                new() { Id = "be-pull", AccessPointId = "BE:AP0001", Mep = "Pull", Mpc = Mpc }, // no Url needed to be pulled from
                new() { Id = "nl-pull", AccessPointId = "NL:AP0001", Mep = "Pull", Mpc = Mpc },
                new() { Id = "de", AccessPointId = "DE:AP0001", Url = "https://de.example/as4", Mep = "Poll" },
                new() { Id = "at-pull", AccessPointId = "AT:AP0001", Mep = "Pull", Mpc = "not a uri" },
            ],
            Pulls =
            [
                new() { Url = "https://fr.example/as4", Mpc = Mpc, AccessPointId = "FR:AP0001", Interval = TimeSpan.FromSeconds(30) },
                new() { Url = "http://fr.example/as4", Mpc = "relative", AccessPointId = "FR", Interval = TimeSpan.FromDays(2) },
            ],
        };

        var failures = new As4PModeValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("PModes:1 (nl-pull): its Mpc is already a pull MPC", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:2 (de): Mep must be Push or Pull", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PModes:3 (at-pull): a pull Mpc must be an absolute URI", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("PModes:0", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("Pulls:0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Pulls:1: Url must be", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Pulls:1: Mpc must be", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Pulls:1: AccessPointId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Pulls:1: Interval", StringComparison.Ordinal));
    }
}
