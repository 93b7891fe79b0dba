using System.Diagnostics;

namespace Cleiss.Exchange.Hub.Diagnostics;

/// <summary>The hub's trace source: one activity per stage execution.</summary>
internal static class HubActivitySource
{
    public const string Name = "Cleiss.Exchange.Hub";

    public static ActivitySource Instance { get; } = new(Name);
}
