using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Stages.Verification;

/// <summary>
/// verify (inbound): the business signature must verify with the certificate registered for the
/// access point that serves the claimed sender institution; the key the document brings is ignored
/// (runs per message).
/// </summary>
public sealed class VerificationStage(InstitutionDirectory directory, TrustStore trust) : IStage
{
    public string Name => "verify";

    public string CompletedEvent => "verified";

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
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
        return ValueTask.FromResult(StageOutcome.Continue);
    }

    private ValueTask<StageOutcome> Reject(string code, string detail) =>
        ValueTask.FromResult(StageOutcome.Reject(ExchangeErrors.Permanent(code, Name, detail)));
}
