namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:SignalMessage: a receipt, errors, a pull request (or several of them, in a bundle).</summary>
public sealed record As4SignalMessage(As4MessageInfo? MessageInfo, As4Receipt? Receipt, IReadOnlyList<As4Error> Errors, As4PullRequest? PullRequest);
