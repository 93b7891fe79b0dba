using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cleiss.Exchange.Hub.Host.Tls;

/// <summary>The mutual-TLS listener once bound (its port when configured as 0), for tests and the startup log.</summary>
public sealed class As4TlsListener
{
    internal ListenOptions? Options { get; set; }

    /// <summary>The listener's base address, e.g. <c>https://127.0.0.1:8443/</c>; null when mutual TLS is off or not started.</summary>
    public Uri? Address => Options?.IPEndPoint is IPEndPoint bound ? new Uri($"https://{bound}/") : null;
}
