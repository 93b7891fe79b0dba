using System.Globalization;
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
        var certificate = trust.FindForAccessPoint(sender.AccessPoint);
        if (certificate is null)
        {
            return Reject(ExchangeErrors.VerifyUntrustedSender, $"No certificate is registered for {sender.AccessPoint}, which serves {sender.Id}.");
        }
        var signedAt = DateTimeOffset.TryParse(header.CreationDateAndTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? created
            : time.GetUtcNow();
        var certificateCheck = await certificates.CheckAsync(certificate, signedAt, cancellationToken);
        if (!certificateCheck.IsValid)
        {
            return Reject(certificateCheck.Code!, $"{certificateCheck.Detail} (certificate registered for {sender.AccessPoint})");
        }
        var sed = SbdhReader.SedElement(document);
        if (sed is null)
        {
            return Reject(ExchangeErrors.ValidateSbdhInvalid, "The SED element after the header is missing.");
        }
        var check = BusinessSignature.Verify(document, sed, certificate);
        if (!check.IsValid)
        {
            return Reject(check.Code!, check.Detail);
        }
        context.SignedPayload = context.Payload;
        context.AddFact("accessPoint", sender.AccessPoint);
        context.AddFact("keyId", SigningKeyStore.KeyId(certificate));
        context.AddFact("algorithm", check.Algorithm!);
        context.AddFact("certificate", certificateCheck.Detail);
        context.AddFact("revocation", certificateCheck.Revocation);
        return StageOutcome.Continue;
    }

    private StageOutcome Reject(string code, string detail) => StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail));
}
