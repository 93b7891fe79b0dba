namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>Names of directions as they appear in the store, the API and metrics.</summary>
public static class DirectionExtensions
{
    /// <summary><c>outbound</c> or <c>inbound</c>.</summary>
    public static string ToWireName(this Direction direction) => direction == Direction.Outbound ? "outbound" : "inbound";
}
