using System.Text.RegularExpressions;
using Cleiss.Exchange.Hub.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>
/// A sending P-Mode for one partner access point (<c>Hub:As4:PModes:N</c>), with EESSI's values as defaults:
/// one-way push, Service <c>BusinessMessaging</c> of type <c>urn:eu:europa:ec:dgempl:eessi</c>, Action <c>Send</c>,
/// party ids of type <c>urn:eu:europa:ec:dgempl:eessi:ir</c> in the institution role, payloads gzip-compressed,
/// rsa-sha256 / sha256 signatures, multi-hop. Validated at start (<see cref="As4PModeValidator"/>).
/// </summary>
public sealed class As4PMode
{
    public const string EessiPartyIdType = "urn:eu:europa:ec:dgempl:eessi:ir";
    public const string EessiRole = "urn:eu:europa:ec:dgempl:eessi:ir:institution";
    public const string EessiServiceType = "urn:eu:europa:ec:dgempl:eessi";
    public const string DefaultMpc = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/defaultMPC";

    /// <summary>A name for the P-Mode, recorded with every message sent under it (AgreementRef@pmode).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The partner access point this P-Mode sends to (directory id, e.g. <c>BE:AP0001</c>).</summary>
    public string AccessPointId { get; set; } = string.Empty;

    /// <summary>Its AS4 endpoint (https in production; http allowed on loopback for tests).</summary>
    public string Url { get; set; } = string.Empty;

    public string Service { get; set; } = "BusinessMessaging";

    public string ServiceType { get; set; } = EessiServiceType;

    public string Action { get; set; } = "Send";

    public string PartyIdType { get; set; } = EessiPartyIdType;

    public string InitiatorRole { get; set; } = EessiRole;

    public string ResponderRole { get; set; } = EessiRole;

    /// <summary>Optional eb:AgreementRef value.</summary>
    public string? AgreementRef { get; set; }

    public string Mpc { get; set; } = DefaultMpc;

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

    /// <summary>The P-Mode for a partner access point, or null.</summary>
    public As4PMode? For(string accessPointId) => PModes.Find(p => string.Equals(p.AccessPointId, accessPointId, StringComparison.Ordinal));
}

/// <summary>Checks every P-Mode at start: a bad one stops the boot with the P-Mode's id and the field at fault.</summary>
public sealed partial class As4PModeValidator : IValidateOptions<As4Options>
{
    private static readonly string[] SignatureAlgorithms =
    [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    ];

    private static readonly string[] DigestAlgorithms = ["http://www.w3.org/2001/04/xmlenc#sha256"];

    public ValidateOptionsResult Validate(string? name, As4Options options)
    {
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var partners = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.PModes.Count; i++)
        {
            var p = options.PModes[i];
            var at = $"Hub:As4:PModes:{i} ({(p.Id.Length > 0 ? p.Id : "no id")})";
            if (p.Id.Length == 0 || !ids.Add(p.Id))
            {
                failures.Add($"{at}: Id is missing or used twice.");
            }
            if (!AccessPoint().IsMatch(p.AccessPointId))
            {
                failures.Add($"{at}: AccessPointId must be a directory id like BE:AP0001.");
            }
            else if (!partners.Add(p.AccessPointId))
            {
                failures.Add($"{at}: a second P-Mode for {p.AccessPointId}.");
            }
            if (!Uri.TryCreate(p.Url, UriKind.Absolute, out var url) || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            {
                failures.Add($"{at}: Url must be an absolute https URL (http only on loopback).");
            }
            foreach (var (field, value) in new[] { ("Service", p.Service), ("Action", p.Action), ("PartyIdType", p.PartyIdType), ("InitiatorRole", p.InitiatorRole), ("ResponderRole", p.ResponderRole), ("Mpc", p.Mpc) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    failures.Add($"{at}: {field} is empty.");
                }
            }
            if (Array.IndexOf(SignatureAlgorithms, p.SignatureAlgorithm) < 0)
            {
                failures.Add($"{at}: SignatureAlgorithm must be rsa-sha256 or ecdsa-sha256 (xmldsig-more URIs).");
            }
            if (Array.IndexOf(DigestAlgorithms, p.DigestAlgorithm) < 0)
            {
                failures.Add($"{at}: DigestAlgorithm must be sha256 (xmlenc URI).");
            }
            if (p.RetryCount is < 0 or > 100 || p.RetryInterval <= TimeSpan.Zero)
            {
                failures.Add($"{at}: RetryCount must be 0–100 and RetryInterval positive.");
            }
        }
        var horizon = options.PModes.Where(p => p.RetryCount is >= 0 and <= 100 && p.RetryInterval > TimeSpan.Zero)
            .Select(p => p.RetryPolicy().Horizon).DefaultIfEmpty(TimeSpan.Zero).Max();
        if (options.DuplicateRetention < TimeSpan.FromDays(1) || options.DuplicateRetention < horizon * 2)
        {
            failures.Add($"Hub:As4:DuplicateRetention must be at least a day and twice the longest P-Mode retry horizon ({horizon}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Z]{2}:[A-Za-z0-9]{4,10}$")]
    private static partial Regex AccessPoint();
}
