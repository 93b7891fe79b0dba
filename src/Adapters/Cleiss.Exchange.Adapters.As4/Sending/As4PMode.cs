using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>
/// A sending P-Mode for one partner access point (<c>Hub:As4:PModes:N</c>), with EESSI's values as defaults:
/// one-way push (or pull, <see cref="Mep"/>), Service <c>BusinessMessaging</c> of type <c>urn:eu:europa:ec:dgempl:eessi</c>, Action <c>Send</c>,
/// party ids of type <c>urn:eu:europa:ec:dgempl:eessi:ir</c> in the institution role, payloads gzip-compressed,
/// rsa-sha256 / sha256 signatures, multi-hop. Validated at start (<see cref="As4PModeValidator"/>).
/// </summary>
public sealed class As4PMode
{
    public const string EessiPartyIdType = "urn:eu:europa:ec:dgempl:eessi:ir";
    public const string EessiRole = "urn:eu:europa:ec:dgempl:eessi:ir:institution";
    public const string EessiServiceType = "urn:eu:europa:ec:dgempl:eessi";
    public const string DefaultMpc = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC";
    public const string PushMep = "Push";
    public const string PullMep = "Pull";

    /// <summary>A name for the P-Mode, recorded with every message sent under it (AgreementRef@pmode).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The partner access point this P-Mode sends to (directory id, e.g. <c>BE:AP0001</c>).</summary>
    public string AccessPointId { get; set; } = string.Empty;

    /// <summary>Its AS4 endpoint (https in production; http allowed on loopback for tests). Not used when <see cref="Mep"/> is Pull.</summary>
    public string Url { get; set; } = string.Empty;

    public string Service { get; set; } = "BusinessMessaging";

    public string ServiceType { get; set; } = EessiServiceType;

    public string Action { get; set; } = "Send";

    public string PartyIdType { get; set; } = EessiPartyIdType;

    public string InitiatorRole { get; set; } = EessiRole;

    public string ResponderRole { get; set; } = EessiRole;

    /// <summary>Optional eb:AgreementRef value.</summary>
    public string? AgreementRef { get; set; }

    /// <summary>
    /// The message partition channel (eb:UserMessage@mpc). With <see cref="Mep"/> Pull, the partner pulls from it, and
    /// only that partner may: one pull P-Mode per MPC.
    /// </summary>
    public string Mpc { get; set; } = DefaultMpc;

    /// <summary>
    /// <c>Push</c> (default: the hub posts each message to <see cref="Url"/>) or <c>Pull</c> (ebMS3 One-Way/Pull: the
    /// hub signs the message and keeps it in the <see cref="Mpc"/> queue until the partner pulls it and sends its receipt).
    /// </summary>
    public string Mep { get; set; } = PushMep;

    /// <summary>
    /// With Pull: one MPC per receiving institution, <see cref="Mpc"/> + <c>/</c> + institution id (e.g.
    /// <c>…/defaultMPC/BE:1001</c>), so a partner can collect per institution. Default false (one MPC for the partner).
    /// </summary>
    public bool MpcPerInstitution { get; set; }

    /// <summary>gzip the payload (<c>CompressionType=application/gzip</c>). Default true.</summary>
    public bool Compress { get; set; } = true;

    /// <summary>Write the multi-hop headers (wsa:To nextmsh). EESSI: true.</summary>
    public bool MultiHop { get; set; } = true;

    public string SignatureAlgorithm { get; set; } = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

    public string DigestAlgorithm { get; set; } = "http://www.w3.org/2001/04/xmlenc#sha256";

    /// <summary>Reception awareness: resend until a valid receipt arrives, at most this many times.</summary>
    public int RetryCount { get; set; } = 5;

    /// <summary>Reception awareness: the wait before the first resend (doubled each time, at most an hour).</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The reception-awareness policy: RetryCount resends after the first attempt, RetryInterval doubling, at most an hour apart.</summary>
    public PartnerRetryPolicy RetryPolicy() => new(RetryCount + 1, RetryInterval, TimeSpan.FromHours(1));

    /// <summary>True when the partner pulls (the hub queues instead of posting).</summary>
    public bool IsPull => string.Equals(Mep, PullMep, StringComparison.Ordinal);

    /// <summary>The MPC a message for <paramref name="receiverInstitutionId"/> is queued in.</summary>
    public string MpcFor(string receiverInstitutionId) => MpcPerInstitution ? $"{Mpc}/{receiverInstitutionId}" : Mpc;

    /// <summary>True when <paramref name="mpc"/> is one of this P-Mode's MPCs.</summary>
    public bool OwnsMpc(string mpc) => MpcPerInstitution
        ? mpc.Length > Mpc.Length + 1 && mpc.StartsWith(Mpc + "/", StringComparison.Ordinal) && mpc.IndexOf('/', Mpc.Length + 1) < 0
        : string.Equals(mpc, Mpc, StringComparison.Ordinal);
}

/// <summary>
/// A partner access point the hub pulls from (<c>Hub:As4:Pulls:N</c>): the hub sends a signed eb:PullRequest for
/// <see cref="Mpc"/> to <see cref="Url"/> every <see cref="Interval"/> (at once again after a message), receives what
/// comes as it receives a push, and posts the receipt back to <see cref="Url"/>.
/// </summary>
public sealed class As4PullSettings
{
    /// <summary>The partner's AS4 endpoint (https; http only on loopback).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The MPC to pull (the partner's P-Mode for this hub names it).</summary>
    public string Mpc { get; set; } = As4PMode.DefaultMpc;

    /// <summary>The partner access point (directory id, e.g. <c>FR:AP0001</c>): its registered certificates sign what it hands out.</summary>
    public string AccessPointId { get; set; } = string.Empty;

    /// <summary>The wait between pulls while the MPC is empty (or the partner fails). Default 1 min; at most 24 h (Decision E6).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The P-Modes (<c>Hub:As4</c>).</summary>
public sealed class As4Options
{
    public const string SectionName = "Hub:As4";

    public List<As4PMode> PModes { get; set; } = [];

    /// <summary>
    /// How long received eb:MessageIds are kept for duplicate elimination (then purged hourly). Default 30 days; must be
    /// at least a day and twice the longest retry horizon of the P-Modes (partners resend on the schedule agreed in them).
    /// </summary>
    public TimeSpan DuplicateRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The partners this hub pulls from.</summary>
    public List<As4PullSettings> Pulls { get; set; } = [];

    /// <summary>The pull P-Mode one of whose MPCs is <paramref name="mpc"/>, or null.</summary>
    public As4PMode? PullPModeFor(string mpc) => PModes.Find(p => p.IsPull && p.OwnsMpc(mpc));

    /// <summary>The P-Mode for a partner access point, or null.</summary>
    public As4PMode? For(string accessPointId) => PModes.Find(p => string.Equals(p.AccessPointId, accessPointId, StringComparison.Ordinal));
}
