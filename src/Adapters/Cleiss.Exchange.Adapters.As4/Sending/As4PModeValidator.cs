using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Adapters.As4.Sending;

/// <summary>Checks every P-Mode and pull at start: a bad one stops the boot with the P-Mode's id (or pull index) and the field at fault.</summary>
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
            if (p.Mep is not (As4PMode.PushMep or As4PMode.PullMep))
            {
                failures.Add($"{at}: Mep must be Push or Pull.");
            }
            if ((!p.IsPull || p.Url.Length > 0) && !IsPartnerUrl(p.Url))
            {
                failures.Add($"{at}: Url must be an absolute https URL (http only on loopback).");
            }
            if (p.IsPull && !Uri.TryCreate(p.Mpc, UriKind.Absolute, out _))
            {
                failures.Add($"{at}: a pull Mpc must be an absolute URI.");
            }
            else if (p.IsPull && options.PModes.Take(i).Any(o => o.IsPull && (o.OwnsMpc(p.Mpc) || p.OwnsMpc(o.Mpc) || o.Mpc == p.Mpc)))
            {
                failures.Add($"{at}: its Mpc is already a pull MPC of another P-Mode (only one partner may pull an MPC).");
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
        for (var i = 0; i < options.Pulls.Count; i++)
        {
            var pull = options.Pulls[i];
            var at = $"Hub:As4:Pulls:{i}";
            if (!IsPartnerUrl(pull.Url))
            {
                failures.Add($"{at}: Url must be an absolute https URL (http only on loopback).");
            }
            if (!Uri.TryCreate(pull.Mpc, UriKind.Absolute, out _))
            {
                failures.Add($"{at}: Mpc must be an absolute URI.");
            }
            if (!AccessPoint().IsMatch(pull.AccessPointId))
            {
                failures.Add($"{at}: AccessPointId must be a directory id like FR:AP0001.");
            }
            if (pull.Interval < TimeSpan.FromMilliseconds(100) || pull.Interval > TimeSpan.FromHours(24))
            {
                failures.Add($"{at}: Interval must be between 100 ms and 24 h (messages must be collected at least daily).");
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

    private static bool IsPartnerUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    [GeneratedRegex("^[A-Z]{2}:[A-Za-z0-9]{4,10}$")]
    private static partial Regex AccessPoint();
}
