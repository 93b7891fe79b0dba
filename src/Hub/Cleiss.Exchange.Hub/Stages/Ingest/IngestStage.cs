using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Stages.Ingest;

/// <summary>
/// accept (outbound) / receive (inbound): parses the bytes through the hardened reader and reads
/// the SBDH routing facts (runs per message).
/// </summary>
public sealed class IngestStage : IStage
{
    private readonly IntakeOptions _limits;
    private readonly PackRegistry? _packs;

    /// <param name="direction">Outbound (accept) or inbound (receive).</param>
    /// <param name="limits">Structural limits.</param>
    /// <param name="packs">
    /// When given, outbound documents are schema-validated while they are parsed (one pass instead
    /// of two); inbound ones are not, so their signature is checked on the tree of their own bytes.
    /// </param>
    public IngestStage(Direction direction, IOptions<IntakeOptions> limits, PackRegistry? packs = null)
    {
        _limits = limits.Value;
        _packs = direction == Direction.Outbound ? packs : null;
        (Name, CompletedEvent) = direction == Direction.Outbound ? ("accept", "accepted") : ("receive", "received");
    }

    public string Name { get; }

    public string CompletedEvent { get; }

    public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
    {
        var pack = _packs?.Peek(context.Payload, _limits);
        var document = HardenedXml.TryLoad(context.Payload, _limits, Name, pack?.Schemas, out var error, out var schemaValid);
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
        context.SchemaValidatedWith = schemaValid ? pack!.Label : null;
        context.AddFact("sedType", header.SedType);
        context.AddFact("instanceIdentifier", header.InstanceIdentifier);
        context.AddFact("caseId", header.CaseId);
        context.AddFact("sender", header.Sender.InstitutionId);
        context.AddFact("bytes", context.Payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ValueTask.FromResult(StageOutcome.Continue);
    }
}
