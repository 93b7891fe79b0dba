namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>
/// An expected failure, as a value: a stable <see cref="Code"/> (documented in docs/errors.md),
/// the stage that raised it, whether retrying may help, and a detail safe to show to the sender
/// (never personal data from the payload).
/// </summary>
/// <param name="Code">Stable code, e.g. <c>ROUTE.UNKNOWN_RECIPIENT</c>.</param>
/// <param name="Stage">The stage that raised it.</param>
/// <param name="IsTransient">True when trying again later may succeed.</param>
/// <param name="Detail">What went wrong, for the sender.</param>
/// <param name="Findings">Individual findings (e.g. schema errors), when there are several.</param>
public sealed record ExchangeError(string Code, string Stage, bool IsTransient, string Detail, IReadOnlyList<Finding>? Findings = null);

/// <summary>One finding of a validation. Messages name elements and rules, never field values.</summary>
/// <param name="Code">Stable code of the rule broken (catalogued in docs/errors.md).</param>
/// <param name="Severity"><c>error</c> or <c>warning</c>.</param>
/// <param name="Location">Where: an XPath for XML input, a JSON Pointer for JSON input.</param>
/// <param name="Message">What is wrong, in English.</param>
/// <param name="MessageFr">What is wrong, in French.</param>
public sealed record Finding(string Code, string Severity, string Location, string Message, string MessageFr);
