using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Stages.Signing;

/// <summary>
/// sign: appends the enveloped business signature as the SED element's last child, with the sending
/// institution's key when it has one, else the hub access point's key (runs per message). The signed
/// bytes are stored with the stage's progress before dispatch, and dispatch after a restart sends the
/// stored bytes: an ECDSA signature (randomised, unlike RSA-PKCS#1 v1.5) is never made twice for bytes
/// that already left.
/// </summary>
public sealed class SigningStage(SigningKeyStore keys) : IStage
{
    public string Name => "sign";

    public string CompletedEvent => "signed";

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("sign runs after ingest.");
        var sed = SbdhReader.SedElement(document) ?? throw new InvalidOperationException("A validated document has a SED element.");
        SigningCredentials credentials;
        try
        {
            credentials = (context.Header is { } header ? keys.ForOwner(header.Sender.InstitutionId) : null) ?? keys.Current;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return ValueTask.FromResult(StageOutcome.Retry(
                ExchangeErrors.Transient(ExchangeErrors.SignKeyUnavailable, Name, "The signing key cannot be read."), TimeSpan.FromSeconds(5)));
        }
        context.SignedPayload = BusinessSignature.SignBytes(context.Payload.Span, document, sed, credentials, out var digest);
        context.AddFact("keyId", credentials.KeyId);
        context.AddFact("keyOwner", credentials.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        context.AddFact("algorithm", credentials.AlgorithmName);
        context.AddFact("digest", digest);
        return ValueTask.FromResult(StageOutcome.Continue);
    }
}
