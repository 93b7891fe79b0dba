namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>Where a document goes and why.</summary>
/// <param name="ReceiverId">The receiving institution.</param>
/// <param name="AccessPointId">The access point that serves it.</param>
/// <param name="Endpoint">The access point endpoint (outbound), or null when delivered locally (inbound).</param>
/// <param name="Rule">A human-readable account of the directory rule that chose this route.</param>
public sealed record RouteDecision(string ReceiverId, string AccessPointId, Uri? Endpoint, string Rule);
