using System.Collections.Concurrent;
using System.Diagnostics;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The real host process (`cleiss run`) for crash tests: started with the test settings, killed with SIGKILL, fed with
/// documents while it may die, and asked (through any node's API) whether every acknowledged document was delivered.
/// </summary>
internal static class HubProcess
{
    private static readonly string[] Samples = ["valid/A001-outbound-1.xml", "valid/P2000-outbound-1.xml", "valid/H001-outbound-1.xml"];

    /// <summary>
    /// Starts `cleiss run` on data folder <paramref name="data"/> at <paramref name="url"/>, delivering to <paramref name="partner"/>;
    /// <paramref name="configuration"/> adds settings as configuration keys (e.g. <c>Hub:Mode</c>), passed as environment variables.
    /// </summary>
    public static Process Start(string data, string url, Uri partner, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), "run", "--data", data, "--urls", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = "BE:AP0001",
            ["Hub:Routing:EndpointOverrides:0:Url"] = partner.ToString(),
            ["Hub:Dispatch:InitialBackoff"] = "00:00:00.100",
            ["Hub:Dispatch:MaxBackoff"] = "00:00:00.500",
            ["Hub:Dispatch:MaxAttempts"] = "20",
            ["Hub:Audit:CheckpointInterval"] = "00:00:00.300",
            ["Hub:Audit:CheckpointPoll"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        if (settings.TryGetValue("Hub:Mode", out var mode) && mode is not null)
        {
            start.ArgumentList.Add("--mode"); // the command line's --mode wins over the environment
            start.ArgumentList.Add(mode);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task WaitReadyAsync(HttpClient api, Process hub)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(hub.HasExited, $"the hub exited with {(hub.HasExited ? hub.ExitCode : 0)} at start");
            try
            {
                using var ready = await api.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail("the hub did not become ready within 30 s");
    }

    /// <summary>
    /// Posts fresh documents, four at a time, each to one of <paramref name="apis"/> chosen at random, until cancelled;
    /// records each 202 (document id → InstanceIdentifier). A node that dies answers nothing: not acknowledged.
    /// </summary>
    public static async Task PostUntilCancelledAsync(IReadOnlyList<HttpClient> apis, int seed, ConcurrentDictionary<Guid, string> acknowledged, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = Enumerable.Range(0, 4).Select(async _ =>
            {
                var document = HubRig.Fresh(Samples[random.Next(Samples.Length)]);
                var instance = Hub.Samples.SampleScenario.Header(document).InstanceIdentifier;
                try
                {
                    using var content = new ByteArrayContent(document);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
                    using var response = await apis[random.Next(apis.Count)].PostAsync("/api/v1/documents", content, CancellationToken.None);
                    if ((int)response.StatusCode == 202)
                    {
                        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                        acknowledged[Guid.Parse(body["id"]!.GetValue<string>())] = instance;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    // Killed mid-request: no answer, so not acknowledged (it may or may not have been stored).
                }
            }).ToList();
            await Task.WhenAll(batch);
        }
    }

    /// <summary>Waits (bounded by <paramref name="patience"/>) until every acknowledged document is delivered; returns the ones that are not.</summary>
    public static async Task<List<Guid>> WaitAllDeliveredAsync(HttpClient api, IEnumerable<Guid> ids, TimeSpan patience)
    {
        var pending = ids.ToHashSet();
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0 && deadline.Elapsed < patience)
        {
            foreach (var id in pending.ToList())
            {
                var view = await api.GetFromJsonAsync<Host.Endpoints.DocumentView>($"/api/v1/documents/{id}");
                if (view!.Status == DocumentStatus.Delivered)
                {
                    pending.Remove(id);
                }
            }
            if (pending.Count > 0)
            {
                await Task.Delay(100);
            }
        }
        return pending.ToList();
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public static async Task KillAsync(Process hub)
    {
        hub.Kill(entireProcessTree: true);
        await hub.WaitForExitAsync();
    }
}
