namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>An audit event a stage asks the runner to record besides its completion event.</summary>
/// <param name="Event">Event name, e.g. <c>dispatched</c>.</param>
/// <param name="Facts">Key/value facts; never personal data.</param>
public sealed record PendingAuditEvent(string Event, IReadOnlyDictionary<string, string> Facts);
