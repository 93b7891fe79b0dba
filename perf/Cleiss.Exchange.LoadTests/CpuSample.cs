using System.Diagnostics;
using System.Globalization;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// CPU seconds used so far (Linux): the hub node processes, the Kafka mock host, every process named <c>postgres</c>
/// (the server and all its backends, so including other users of the same server), this process (the driver and the
/// in-process simulated partner), and the whole machine's busy time from /proc/stat (all CPUs, user + nice + system +
/// irq + softirq + steal). Subtract two samples and divide by the wall time for cores.
/// </summary>
internal readonly record struct CpuSample(double Nodes, double Broker, double Postgres, double Driver, double MachineBusy)
{
    public static CpuSample operator -(CpuSample a, CpuSample b) =>
        new(a.Nodes - b.Nodes, a.Broker - b.Broker, a.Postgres - b.Postgres, a.Driver - b.Driver, a.MachineBusy - b.MachineBusy);

    public static CpuSample Take(IEnumerable<HubNode> nodes, Process? broker)
    {
        broker?.Refresh();
        using var self = Process.GetCurrentProcess();
        return new CpuSample(
            nodes.Sum(n => n.CpuTime().TotalSeconds),
            broker is null || broker.HasExited ? 0 : broker.TotalProcessorTime.TotalSeconds,
            PostgresSeconds(),
            self.TotalProcessorTime.TotalSeconds,
            MachineBusySeconds());
    }

    private static double PostgresSeconds()
    {
        var total = 0.0;
        foreach (var process in Process.GetProcessesByName("postgres"))
        {
            using (process)
            {
                try
                {
                    total += process.TotalProcessorTime.TotalSeconds;
                }
                catch (InvalidOperationException)
                {
                    // exited meanwhile
                }
            }
        }
        return total;
    }

    /// <summary>The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ..." in clock ticks (USER_HZ = 100).</summary>
    private static double MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return 0;
        }
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        long busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return busy / 100.0;
    }
}
