using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Cleiss.Exchange.KafkaMockHost;

/// <summary>A topic for the mock host to create: name and partition count (replication min(3, brokers)).</summary>
public sealed record KafkaMockTopic(string Name, int Partitions);

/// <summary>
/// Starts <c>dotnet Cleiss.Exchange.KafkaMockHost.dll</c> (librdkafka's mock cluster in its own process, on loopback) and
/// reads its <c>BOOTSTRAP</c> line, so several processes can share one Kafka-protocol cluster that outlives any of them.
/// The host exits when its stdin closes, so it also goes away when the test process dies. Dispose (or
/// <see cref="StopAsync"/>) closes stdin and waits; a host that does not exit in time is killed.
/// </summary>
public sealed class KafkaMockProcess : IAsyncDisposable
{
    /// <summary>Overrides where the host dll is looked for (a path to Cleiss.Exchange.KafkaMockHost.dll).</summary>
    public const string HostPathVariable = "CLEISS_KAFKA_MOCK_HOST";

    private const string BootstrapPrefix = "BOOTSTRAP ";
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private KafkaMockProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The mock brokers, host:port comma-separated (always 127.0.0.1), for <c>bootstrap.servers</c>.</summary>
    public string Bootstrap { get; private set; } = "";

    /// <summary>The host's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the host has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the host wrote on stderr so far (its start line, librdkafka's errors, its stop line).</summary>
    public string StandardError
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>The host dll that <see cref="StartAsync"/> runs: <see cref="HostPathVariable"/>, else the copy next to this
    /// assembly (a project referencing this one gets it in its output), else where this project's own build put it.</summary>
    public static string HostPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable(HostPathVariable) is { Length: > 0 } configured)
            {
                return configured;
            }
            var here = typeof(KafkaMockProcess).Assembly.Location;
            if (here.Length > 0 && File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json")))
            {
                return here;
            }
            var built = typeof(KafkaMockProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "KafkaMockHostBuildPath")?.Value;
            if (built is not null && File.Exists(built))
            {
                return built;
            }
            throw new FileNotFoundException($"Cleiss.Exchange.KafkaMockHost.dll with its runtimeconfig.json was not found next to {here} nor at {built}; build tests/Cleiss.Exchange.KafkaMockHost or set {HostPathVariable}.");
        }
    }

    /// <summary>Starts a host and waits (at most <paramref name="startTimeout"/>, default 30 s) for its bootstrap line.</summary>
    /// <param name="topics">Topics created before the host reports ready (without them the mock auto-creates 4 partitions on first use).</param>
    /// <param name="brokers">Mock brokers (default 3).</param>
    /// <param name="rebalanceDelayMs">The group coordinator's initial rebalance delay; keep 3000 (MACHINE.md 1c).</param>
    /// <param name="startTimeout">How long to wait for the bootstrap line.</param>
    /// <param name="cancellationToken">Cancels the wait (the host is then killed).</param>
    public static async Task<KafkaMockProcess> StartAsync(
        IEnumerable<KafkaMockTopic> topics, int brokers = 3, int rebalanceDelayMs = 3000, TimeSpan? startTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostPath);
        start.ArgumentList.Add("--brokers");
        start.ArgumentList.Add(brokers.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--rebalance-delay-ms");
        start.ArgumentList.Add(rebalanceDelayMs.ToString(CultureInfo.InvariantCulture));
        foreach (var topic in topics)
        {
            start.ArgumentList.Add("--topic");
            start.ArgumentList.Add(topic.Name + ":" + topic.Partitions.ToString(CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {DotnetHost}.");
        var host = new KafkaMockProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (host._errors)
                {
                    host._errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(startTimeout ?? TimeSpan.FromSeconds(30));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            if (line is null || !line.StartsWith(BootstrapPrefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The Kafka mock host printed {(line is null ? "nothing" : $"'{line}'")} instead of its bootstrap line. stderr: {host.StandardError}");
            }
            host.Bootstrap = line[BootstrapPrefix.Length..].Trim();
            return host;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await host.KillAsync().ConfigureAwait(false);
            throw new TimeoutException($"The Kafka mock host gave no bootstrap line within {startTimeout ?? TimeSpan.FromSeconds(30)}. stderr: {host.StandardError}");
        }
        catch
        {
            await host.KillAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the host's stdin (its signal to destroy the cluster) and waits for it to exit; returns its exit code.
    /// Kills it and throws <see cref="TimeoutException"/> if it has not exited within <paramref name="timeout"/>.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The host is already gone (broken pipe).
            }
            using var wait = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await KillAsync().ConfigureAwait(false);
                throw new TimeoutException($"The Kafka mock host (pid {_process.Id}) did not exit within {timeout} of its stdin closing; killed.");
            }
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills the host at once (SIGKILL): every broker disappears without closing anything.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the host (closing stdin, 10 s), killing it if it does not exit.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Killed by StopAsync.
        }
        _process.Dispose();
    }

    // The dotnet CLI (and `dotnet test`) exports the muxer's path as DOTNET_HOST_PATH for child processes.
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";
}
