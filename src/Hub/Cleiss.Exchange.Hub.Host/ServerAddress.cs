using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cleiss.Exchange.Hub.Host;

/// <summary>Where a started web application actually listens (port 0 becomes the bound port).</summary>
public static class ServerAddress
{
    /// <summary>The first bound address.</summary>
    public static Uri Of(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
