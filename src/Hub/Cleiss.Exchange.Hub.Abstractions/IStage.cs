namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>One step of the message path. Stages decide; the runner acts (runs per message).</summary>
public interface IStage
{
    /// <summary>The stage name used in audit events, metrics and traces (e.g. <c>validate</c>).</summary>
    string Name { get; }

    /// <summary>The audit event written when the stage lets the document continue (e.g. <c>validated</c>).</summary>
    string CompletedEvent { get; }

    /// <summary>Runs the stage on one document.</summary>
    ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken);
}
