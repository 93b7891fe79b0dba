using System.Globalization;

namespace Cleiss.Exchange.LoadTests;

/// <summary>Resident memory of a process from /proc/&lt;pid&gt;/status (Linux): VmRSS now, VmHWM = its peak so far.</summary>
internal static class ProcMemory
{
    public static (double RssMb, double PeakMb) Read(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path))
        {
            return (0, 0);
        }
        double rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line) / 1024.0;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            // the process exited meanwhile
        }
        return (rss, peak);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>Samples VmRSS every 250 ms until disposed; <see cref="Peak"/> is the largest sample.</summary>
    public sealed class Sampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private double _peak;

        public Sampler(int pid)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _peak = Math.Max(_peak, Read(pid).RssMb);
                    try
                    {
                        await Task.Delay(250, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public double Peak => _peak;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
