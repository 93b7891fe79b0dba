using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Stages.Verification;

/// <summary>
/// verify (inbound): the certificate registered for the access point that serves the claimed sender
/// institution must pass the certificate checks at the document's time (chain or pin, key usage,
/// revocation), and the business signature must verify with it; the key the document brings is
/// ignored (runs per message).
/// </summary>
public sealed class VerificationStage(InstitutionDirectory directory, TrustStore trust, CertificateValidator certificates, TimeProvider time) : IStage
{
    public string Name => "verify";

    public string CompletedEvent => "verified";

    public async ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var header = context.Header ?? throw new InvalidOperationException("verify runs after receive.");
        var document = context.Document ?? throw new InvalidOperationException("verify runs after receive.");
        var sender = directory.FindInstitution(header.Sender.InstitutionId);
        if (sender is null)
        {
            return Reject(ExchangeErrors.RouteUnknownSender, $"Sender {header.Sender.InstitutionId} is not in directory {directory.Version}.");
        }
        // An institution that signs with its own key has its certificate registered under its id; otherwise
        // its access point's certificate counts. Two during a rotation: the KeyInfo hint picks, never decides.
        var registered = trust.FindAll(sender.Id) is { Count: > 0 } own ? own : trust.FindAll(sender.AccessPoint);
        if (registered.Count == 0)
        {
            return Reject(ExchangeErrors.VerifyUntrustedSender, $"No certificate is registered for {sender.Id} or for {sender.AccessPoint}, which serves it.");
        }
        var sed = SbdhReader.SedElement(document);
        if (sed is null)
        {
            return Reject(ExchangeErrors.ValidateSbdhInvalid, "The SED element after the header is missing.");
        }
        var signedAt = DateTimeOffset.TryParse(header.CreationDateAndTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? created
            : time.GetUtcNow();
        var hint = BusinessSignature.HintedKeyId(sed);
        ExchangeError? firstFailure = null;
        foreach (var certificate in registered.OrderByDescending(c => SigningKeyStore.KeyId(c) == hint))
        {
            var failure = await CheckAsync(context, document, sed, certificate, signedAt, cancellationToken);
            if (failure is null)
            {
                context.SignedPayload = context.Payload;
                context.AddFact("accessPoint", sender.AccessPoint);
                return StageOutcome.Continue;
            }
            firstFailure ??= failure;
        }
        return StageOutcome.Reject(firstFailure!);
    }

    /// <summary>Checks one registered certificate, then the signature with it; records the facts when both pass.</summary>
    private async ValueTask<ExchangeError?> CheckAsync(ExchangeContext context, XmlDocument document, XmlElement sed, X509Certificate2 certificate, DateTimeOffset signedAt, CancellationToken cancellationToken)
    {
        var certificateCheck = await certificates.CheckAsync(certificate, signedAt, cancellationToken);
        if (!certificateCheck.IsValid)
        {
            var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
            return ExchangeErrors.Permanent(certificateCheck.Code!, Name, $"{certificateCheck.Detail} (certificate registered for {name})");
        }
        var check = BusinessSignature.Verify(document, sed, certificate);
        if (!check.IsValid)
        {
            return ExchangeErrors.Permanent(check.Code!, Name, check.Detail);
        }
        context.AddFact("keyId", SigningKeyStore.KeyId(certificate));
        context.AddFact("algorithm", check.Algorithm!);
        context.AddFact("certificate", certificateCheck.Detail);
        context.AddFact("revocation", certificateCheck.Revocation);
        return null;
    }
    private StageOutcome Reject(string code, string detail) => StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail));
}
