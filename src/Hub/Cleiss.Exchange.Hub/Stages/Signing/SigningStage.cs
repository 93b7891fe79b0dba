using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Stages.Signing;

/// <summary>
/// sign: appends the hub's enveloped business signature as the SED element's last child (runs per
/// message). RSA-PKCS#1 v1.5 signatures are deterministic, so signing again after a crash gives the
/// same bytes and the partner's dedup sees the same document.
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
            credentials = keys.Current;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return ValueTask.FromResult(StageOutcome.Retry(
                ExchangeErrors.Transient(ExchangeErrors.SignKeyUnavailable, Name, "The signing key cannot be read."), TimeSpan.FromSeconds(5)));
        }
        var digest = BusinessSignature.Sign(document, sed, credentials);
        context.SignedPayload = Encoding.UTF8.GetBytes(document.OuterXml);
        context.AddFact("keyId", credentials.KeyId);
        context.AddFact("algorithm", credentials.AlgorithmName);
        context.AddFact("digest", digest);
        return ValueTask.FromResult(StageOutcome.Continue);
    }
}
