using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// A stored document through the hardened parse and the current pack's schema and business rules again (not the case
/// rules: it is already in its case). Used before a dead letter is replayed and for the evidence archive's report.
/// </summary>
public static class Revalidation
{
    /// <summary>The refusal (null when valid) and the pack the document validated against.</summary>
    public static async Task<(ExchangeError? Error, string? PackId)> RunAsync(DocumentRecord record, PackRegistry packs, BusinessRules rules, IOptions<IntakeOptions> limits, CancellationToken cancellationToken)
    {
        var context = new ExchangeContext(record.Id, record.Direction, record.Payload);
        foreach (var stage in new IStage[] { new IngestStage(record.Direction, limits, packs), new ValidationStage(packs, rules) })
        {
            var outcome = await stage.ExecuteAsync(context, cancellationToken);
            if (outcome.Kind is StageOutcomeKind.Rejected or StageOutcomeKind.DeadLetter)
            {
                return (outcome.Error, context.PackId);
            }
        }
        return (null, context.PackId);
    }
}
