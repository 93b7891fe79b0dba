using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Cleiss.Exchange.KafkaMockHost;

/// <summary>
/// librdkafka's own mock Kafka cluster, in this process (brokers listen on 127.0.0.1 ephemeral ports),
/// created through its C API: the test chooses the partition count of each topic. It lives as long as
/// this object. The mock is not Kafka: no CreateTopics, and transactions are not filtered (not tested here).
/// Used in process by the Kafka tests (as an xunit class fixture) and hosted by this project's Program for other processes.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private const string Native = "rdkafka_mock_native";
    private const int ProducerType = 0;
    private readonly IntPtr _owner;
    private readonly IntPtr _cluster;
    private int _disposed;

    static MockKafkaCluster() => NativeLibrary.SetDllImportResolver(typeof(MockKafkaCluster).Assembly, Resolve);

    /// <summary>Three brokers, as a small production cluster (acks=all then waits for three replicas).</summary>
    public MockKafkaCluster()
        : this(3, 3000)
    {
    }

    /// <summary>A cluster of <paramref name="brokers"/> mock brokers (a factory: xunit class fixtures need a single public constructor).</summary>
    /// <param name="brokers">Number of mock brokers (1 or more).</param>
    /// <param name="rebalanceDelayMs">The group coordinator's initial rebalance delay. Keep 3000: with 0–500 a two-member
    /// group stalled for the whole session timeout on the mock (MACHINE.md 1c).</param>
    public static MockKafkaCluster Create(int brokers, int rebalanceDelayMs = 3000) => new(brokers, rebalanceDelayMs);

    private MockKafkaCluster(int brokers, int rebalanceDelayMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rebalanceDelayMs);
        var error = new byte[512];
        var conf = NativeMethods.rd_kafka_conf_new();
        // The owning handle only hosts the cluster; keep it quiet about having no bootstrap servers.
        _ = NativeMethods.rd_kafka_conf_set(conf, Utf8("log_level"), Utf8("2"), error, (UIntPtr)error.Length);
        _owner = NativeMethods.rd_kafka_new(ProducerType, conf, error, (UIntPtr)error.Length);
        if (_owner == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Encoding.UTF8.GetString(error).TrimEnd('\0'));
        }
        _cluster = NativeMethods.rd_kafka_mock_cluster_new(_owner, brokers);
        if (_cluster == IntPtr.Zero)
        {
            NativeMethods.rd_kafka_destroy(_owner);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }
        Brokers = brokers;
        var delay = NativeMethods.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, rebalanceDelayMs);
        if (delay != 0)
        {
            Dispose();
            throw new InvalidOperationException($"rd_kafka_mock_group_initial_rebalance_delay_ms returned {delay}.");
        }
        BootstrapServers = Marshal.PtrToStringUTF8(NativeMethods.rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
    }

    /// <summary>Number of mock brokers.</summary>
    public int Brokers { get; }

    /// <summary>host:port list of the mock brokers (always 127.0.0.1).</summary>
    public string BootstrapServers { get; }

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions (the mock would auto-create 4).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        var code = NativeMethods.rd_kafka_mock_topic_create(_cluster, Utf8(topic), partitions, replicationFactor);
        if (code != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_topic_create({topic}) returned {code}.");
        }
    }

    /// <summary>Destroys the cluster (its brokers close their sockets) and the handle that owns it. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        NativeMethods.rd_kafka_mock_cluster_destroy(_cluster);
        NativeMethods.rd_kafka_destroy(_owner);
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value + "\0");

    // The same native library Confluent.Kafka loads: on Debian 12 the default librdkafka.so lacks
    // libsasl2.so.3 and the self-contained centos8 build is the one that loads (MACHINE.md 1).
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Native)
        {
            return IntPtr.Zero;
        }
        var arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-" + arch, "native");
        foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException($"No loadable librdkafka in {folder}.");
    }

    private static class NativeMethods
    {
        [DllImport(Native)] internal static extern IntPtr rd_kafka_conf_new();
        [DllImport(Native)] internal static extern int rd_kafka_conf_set(IntPtr conf, byte[] name, byte[] value, byte[] errstr, UIntPtr errstrSize);
        [DllImport(Native)] internal static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);
        [DllImport(Native)] internal static extern void rd_kafka_destroy(IntPtr rk);
        [DllImport(Native)] internal static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);
        [DllImport(Native)] internal static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);
        [DllImport(Native)] internal static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);
        [DllImport(Native)] internal static extern int rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
        [DllImport(Native)] internal static extern int rd_kafka_mock_topic_create(IntPtr cluster, byte[] topic, int partitions, int replicationFactor);
    }
}
