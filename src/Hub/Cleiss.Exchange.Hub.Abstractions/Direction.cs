namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>Which way a document travels through the hub.</summary>
public enum Direction
{
    /// <summary>From a French institution to a foreign one.</summary>
    Outbound,
    /// <summary>From abroad to a French institution.</summary>
    Inbound,
}
