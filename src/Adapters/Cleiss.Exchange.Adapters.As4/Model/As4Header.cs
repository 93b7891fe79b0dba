namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>One HTTP or MIME header line as captured (continuation lines unfolded).</summary>
public sealed record As4Header(string Name, string Value);
