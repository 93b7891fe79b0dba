using System.Security.Cryptography.X509Certificates;
using System.Xml;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.As4;

/// <summary>
/// Who signed an incoming AS4 message (runs per message): the WS-Security signature must verify with a certificate
/// registered for the expected access point that passes the certificate checks now (the binding: another partner's
/// key, or a key the message brings itself, never counts), and a wsu:Timestamp, when present, must be single,
/// signed and current (S21). Shared by user messages, pull requests and receipts of pulled messages.
/// </summary>
internal sealed class As4SenderCheck(TrustStore trust, CertificateValidator certificates, TimeProvider time)
{
    /// <summary>Clock difference tolerated between access points for wsu:Timestamp.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The verification when <paramref name="message"/> is signed by <paramref name="accessPointId"/>, else the ebMS error
    /// and why. <paramref name="checkFreshness"/> false: the timestamp must be single and signed, but its window is not checked.
    /// </summary>
    public async Task<(As4SignatureVerification? Verification, EbmsErrorCode? Code, string? Why)> CheckAsync(
        As4Message message, string? accessPointId, CancellationToken cancellationToken, bool checkFreshness = true)
    {
        var verification = accessPointId is null ? null : await VerifyAsync(message, trust.FindAll(accessPointId), cancellationToken);
        if (verification is not { IsValid: true })
        {
            var code = verification?.Code is { } failure ? WsSecurityVerifier.EbmsCode(failure) : null;
            return (verification, code == EbmsErrors.PolicyNoncompliance.Code ? EbmsErrors.PolicyNoncompliance : EbmsErrors.FailedAuthentication,
                verification?.Code ?? "No certificate registered for the sender's access point passes the checks.");
        }
        if (TimestampProblem(message, verification, time.GetUtcNow(), checkFreshness) is { } stale)
        {
            return (verification, stale.Code, stale.Why);
        }
        return (verification, null, null);
    }

    /// <summary>The first registered certificate that passes the certificate checks and verifies the message.</summary>
    private async Task<As4SignatureVerification?> VerifyAsync(As4Message message, IReadOnlyList<X509Certificate2> registered, CancellationToken cancellationToken)
    {
        As4SignatureVerification? first = null;
        foreach (var certificate in registered)
        {
            if (!(await certificates.CheckNowAsync(certificate, cancellationToken)).IsValid)
            {
                continue;
            }
            var verification = WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = certificate });
            if (verification.IsValid)
            {
                return verification;
            }
            first ??= verification;
        }
        return first;
    }

    /// <summary>
    /// S21: a wsu:Timestamp, when the message has one, must be signed and current (Created not after now + skew,
    /// Expires not before now − skew). Without one the message is accepted (not every AS4 stack writes it).
    /// </summary>
    private static (EbmsErrorCode Code, string Why)? TimestampProblem(As4Message message, As4SignatureVerification verification, DateTimeOffset now, bool checkFreshness)
    {
        var security = message.Envelope?.DocumentElement is { } root ? XmlWalk.Descendants(root, "Security", As4Namespaces.Wsse) : [];
        var stamps = security.Count == 1 ? XmlWalk.Descendants(security[0], "Timestamp", As4Namespaces.Wsu) : [];
        if (stamps.Count == 0)
        {
            return null;
        }
        if (stamps.Count > 1 || !verification.VerifiedElements.Contains(stamps[0]))
        {
            return (EbmsErrors.PolicyNoncompliance, "The wsu:Timestamp must be single and signed.");
        }
        if (!checkFreshness)
        {
            return null;
        }
        static DateTimeOffset? At(XmlElement? element) =>
            DateTimeOffset.TryParse(element?.InnerText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? value : null;
        var created = At(XmlWalk.Child(stamps[0], "Created", As4Namespaces.Wsu));
        var expires = At(XmlWalk.Child(stamps[0], "Expires", As4Namespaces.Wsu));
        return created is null || created > now + ClockSkew || (expires is { } end && end < now - ClockSkew)
            ? (EbmsErrors.FailedAuthentication, "The wsu:Timestamp is missing its Created time, in the future, or expired.")
            : null;
    }
}
