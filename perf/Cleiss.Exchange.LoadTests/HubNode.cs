using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// One `cleiss run` process (the Host project's cleiss.dll, copied into this driver's output folder by the project
/// reference), configured through environment variables as an operator would, on a free loopback port. Its standard
/// output is drained; the last lines of its standard error are kept for the report when it dies.
/// </summary>
internal sealed class HubNode : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _errors = new();

    private HubNode(Process process, Uri api)
    {
        _process = process;
        Api = api;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Api { get; }

    public HttpClient Client { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts a node on data folder <paramref name="data"/>; <paramref name="settings"/> are configuration keys (Hub:Mode etc.).</summary>
    public static HubNode Start(string data, IReadOnlyDictionary<string, string?> settings)
    {
        var api = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), "run", "--data", data, "--urls", api.GetLeftPart(UriPartial.Authority)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (settings.TryGetValue("Hub:Mode", out var mode) && mode is not null)
        {
            start.ArgumentList.Add("--mode");
            start.ArgumentList.Add(mode);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        // Runtime knobs for the hub alone (not the driver), e.g. CLEISS_LOAD_HUB_ENV="DOTNET_gcServer=0;DOTNET_TieredPGO=0".
        foreach (var pair in (Environment.GetEnvironmentVariable("CLEISS_LOAD_HUB_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..equals]] = pair[(equals + 1)..];
        }
        var node = new HubNode(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), api);
        node._process.OutputDataReceived += (_, _) => { };
        node._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (node._errors)
                {
                    node._errors.Enqueue(e.Data);
                    if (node._errors.Count > 20)
                    {
                        node._errors.Dequeue();
                    }
                }
            }
        };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits (at most <paramref name="patience"/>) until /health/ready answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < patience)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"node {Api} exited with {_process.ExitCode} at start: {LastErrors()}");
            }
            try
            {
                using var ready = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"node {Api} was not ready within {patience}: {LastErrors()}");
    }

    /// <summary>User + system CPU time of the process so far (/proc/&lt;pid&gt;/stat utime + stime).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
    }

    public bool HasExited => _process.HasExited;

    public string LastErrors()
    {
        lock (_errors)
        {
            return string.Join(" | ", _errors);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        Client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
