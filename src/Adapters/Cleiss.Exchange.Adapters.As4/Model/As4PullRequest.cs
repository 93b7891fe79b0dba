namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:PullRequest and the MPC it pulls from (null: the default MPC).</summary>
public sealed record As4PullRequest(string? Mpc);
