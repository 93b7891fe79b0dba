using System.Globalization;
using System.Runtime.InteropServices;
using Cleiss.Exchange.KafkaMockHost;

// kafka-mock-host: librdkafka's mock cluster in its own process (see KafkaMockProcess for the protocol).
// stdout carries exactly one line, "BOOTSTRAP host:port,...", once the cluster and its topics exist; everything else goes to stderr.
// Lives until stdin reaches end of file (the parent closed it, or died) or SIGTERM/SIGINT, then destroys the cluster and exits 0.
const string Usage = "usage: Cleiss.Exchange.KafkaMockHost [--brokers N (3)] [--topic name:partitions]... [--rebalance-delay-ms MS (3000)] [--ignore-stdin]";

var brokers = 3;
var rebalanceDelayMs = 3000;
var ignoreStdin = false;
var topics = new List<(string Name, int Partitions)>();
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    try
    {
        switch (args[i])
        {
            case "--brokers":
                brokers = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
                break;
            case "--rebalance-delay-ms":
                rebalanceDelayMs = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
                break;
            case "--topic":
                var spec = Value();
                var colon = spec.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(spec.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partitions) || partitions < 1)
                {
                    throw new ArgumentException($"--topic {spec}: expected name:partitions.");
                }
                topics.Add((spec[..colon], partitions));
                break;
            case "--ignore-stdin":
                ignoreStdin = true;
                break;
            default:
                throw new ArgumentException($"Unknown argument {args[i]}.");
        }
    }
    catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine($"kafka-mock-host: {e.Message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
if (brokers < 1)
{
    Console.Error.WriteLine("kafka-mock-host: --brokers must be at least 1.");
    return 2;
}

var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult("SIGTERM"); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult("SIGINT"); });

using var cluster = MockKafkaCluster.Create(brokers, rebalanceDelayMs);
var replication = Math.Min(3, brokers);
foreach (var (name, partitions) in topics)
{
    cluster.CreateTopic(name, partitions, replication);
}
Console.Error.WriteLine($"kafka-mock-host: pid {Environment.ProcessId}, {brokers} brokers, topics [{string.Join(", ", topics.Select(t => $"{t.Name}:{t.Partitions}"))}] " +
    $"replication {replication}, rebalance delay {rebalanceDelayMs} ms");
Console.Out.WriteLine("BOOTSTRAP " + cluster.BootstrapServers);
Console.Out.Flush();

if (!ignoreStdin)
{
    // A thread-pool (background) thread: it may stay blocked in read when a signal ends the process.
    _ = Task.Run(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (stdin.Read(buffer) > 0)
        {
        }
        stop.TrySetResult("end of stdin");
    });
}

var reason = await stop.Task;
Console.Error.WriteLine($"kafka-mock-host: {reason}, destroying the cluster");
cluster.Dispose();
return 0;
