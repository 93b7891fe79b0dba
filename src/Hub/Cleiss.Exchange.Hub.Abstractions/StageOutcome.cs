namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>What a stage decided; the runner acts on it.</summary>
public enum StageOutcomeKind
{
    /// <summary>Go on with the next stage.</summary>
    Continue,
    /// <summary>The document reached its end state; no further stage runs.</summary>
    Completed,
    /// <summary>A transient failure: run the same stage again later.</summary>
    Retry,
    /// <summary>The document is refused for good (bad input, business rule).</summary>
    Rejected,
    /// <summary>Processing cannot finish: park the document for an operator.</summary>
    DeadLetter,
    /// <summary>
    /// The document waits for something outside the hub (AS4 pull: the partner collects it and sends its receipt);
    /// the run ends, the document is not in an end state and no further stage runs.
    /// </summary>
    Queued,
}

/// <summary>
/// The result of one stage. Stages return it, the runner acts on it (runs per message).
/// </summary>
/// <param name="Kind">What the runner does next.</param>
/// <param name="Error">Why, when not successful.</param>
/// <param name="RetryAfter">For <see cref="StageOutcomeKind.Retry"/>: the wait before the next attempt.</param>
/// <param name="MaxAttempts">For <see cref="StageOutcomeKind.Retry"/>: the attempts allowed in all when the stage has its own
/// policy (e.g. a partner's P-Mode); null for the hub's (<c>Hub:Dispatch:MaxAttempts</c>).</param>
public readonly record struct StageOutcome(StageOutcomeKind Kind, ExchangeError? Error, TimeSpan RetryAfter, int? MaxAttempts = null)
{
    /// <summary>Continue with the next stage.</summary>
    public static StageOutcome Continue { get; } = new(StageOutcomeKind.Continue, null, TimeSpan.Zero);

    /// <summary>The document is done.</summary>
    public static StageOutcome Completed { get; } = new(StageOutcomeKind.Completed, null, TimeSpan.Zero);

    /// <summary>Refuse the document with an error.</summary>
    public static StageOutcome Reject(ExchangeError error) => new(StageOutcomeKind.Rejected, error, TimeSpan.Zero);

    /// <summary>Try the stage again after a delay.</summary>
    public static StageOutcome Retry(ExchangeError error, TimeSpan after, int? maxAttempts = null) => new(StageOutcomeKind.Retry, error, after, maxAttempts);

    /// <summary>The document waits for an outside event (e.g. a partner's pull and receipt).</summary>
    public static StageOutcome Queued { get; } = new(StageOutcomeKind.Queued, null, TimeSpan.Zero);

    /// <summary>Give up and park the document for an operator.</summary>
    public static StageOutcome DeadLetter(ExchangeError error) => new(StageOutcomeKind.DeadLetter, error, TimeSpan.Zero);
}
