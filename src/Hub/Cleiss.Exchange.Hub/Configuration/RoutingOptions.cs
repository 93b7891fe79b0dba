namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Where the directory comes from and local endpoint overrides.</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Hub:Routing";

    /// <summary>Path of the directory file. Default: <c>ir/directory.json</c> under the schemas folder.</summary>
    public string? DirectoryFile { get; set; }

    /// <summary>
    /// Endpoints that replace the directory's for some access points (e.g. a partner on another
    /// port in tests or the demo). A list, because access point ids contain ':' which configuration
    /// keys cannot. Empty by default.
    /// </summary>
    public List<EndpointOverride> EndpointOverrides { get; set; } = [];
}

/// <summary>One endpoint override.</summary>
public sealed class EndpointOverride
{
    /// <summary>The access point id, e.g. <c>BE:AP0001</c>.</summary>
    public string AccessPointId { get; set; } = string.Empty;

    /// <summary>The absolute http(s) URL to use instead of the directory's.</summary>
    public string Url { get; set; } = string.Empty;
}
