using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>
/// accept (outbound) / receive (inbound): parses the bytes through the hardened reader and reads
/// the SBDH routing facts (runs per message).
/// </summary>
public sealed class IngestStage : IStage
{
    private readonly IntakeOptions _limits;

    public IngestStage(Direction direction, IOptions<IntakeOptions> limits)
    {
        _limits = limits.Value;
        (Name, CompletedEvent) = direction == Direction.Outbound ? ("accept", "accepted") : ("receive", "received");
    }

    public string Name { get; }

    public string CompletedEvent { get; }

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var document = HardenedXml.TryLoad(context.Payload, _limits, Name, out var error);
        if (document is null)
        {
            return ValueTask.FromResult(StageOutcome.Reject(error!));
        }
        var header = SbdhReader.TryRead(document, out _, out var problem);
        if (header is null)
        {
            return ValueTask.FromResult(StageOutcome.Reject(ExchangeErrors.Permanent(ExchangeErrors.ValidateSbdhInvalid, Name, problem!)));
        }
        context.Document = document;
        context.Header = header;
        context.AddFact("sedType", header.SedType);
        context.AddFact("instanceIdentifier", header.InstanceIdentifier);
        context.AddFact("caseId", header.CaseId);
        context.AddFact("sender", header.Sender.InstitutionId);
        context.AddFact("bytes", context.Payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ValueTask.FromResult(StageOutcome.Continue);
    }
}
