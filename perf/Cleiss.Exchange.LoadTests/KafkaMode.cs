using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.KafkaMockHost;
using Confluent.Kafka;
using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// <c>kafka [seconds per run = 8] [concurrency list = 1,8,64] [warm-up seconds = 2] [records per variant = 2048] [librdkafka settings, e.g. linger.ms=0]</c>:
/// the hub's
/// producer path (<see cref="AvroRecordCodec.Encode(StageRecord)"/> + <see cref="KafkaStageTransport.PublishAsync"/>, awaiting
/// each ack) against a plain <see cref="IProducer{TKey,TValue}"/> with the same settings producing the same precomputed bytes,
/// at each concurrency, alternating raw, hub, raw, hub. One librdkafka mock cluster (3 brokers) in its own process
/// (<see cref="KafkaMockProcess"/>), one topic of 12 partitions (replication 3). perf/README.md, "Kafka producer path (issue 7)".
/// </summary>
internal static class KafkaMode
{
    private const string Topic = "hub.outbound.accepted";
    private const int Partitions = 12;
    private const int InlinePayloadBytes = 20 * 1024;

    private enum Path
    {
        Raw,
        Hub,
    }

    private sealed record Variant(string Name, StageRecord[] Records, byte[][] Encoded);

    private sealed record RunResult(Path Path, string Variant, int Concurrency, double Seconds, long Records, LongHistogram LatencyMicroseconds, double ClientCores, double BrokerCores);

    public static async Task<int> RunAsync(string[] args)
    {
        var measure = TimeSpan.FromSeconds(Arg(args, 0, 8));
        var concurrencies = (args.Length > 1 ? args[1] : "1,8,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var warmUp = TimeSpan.FromSeconds(Arg(args, 2, 2));
        var count = Arg(args, 3, 2048);
        // Extra client settings (KafkaOptions.Client, as Hub:Kafka:Client configures them), applied to both producers alike.
        var client = (args.Length > 4 ? args[4] : "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        Console.WriteLine($"kafka producer benchmark, {DateTimeOffset.UtcNow:u}: nproc {Environment.ProcessorCount}, load {As4Driver.LoadAverage()}, " +
            $".NET {Environment.Version}, server GC {GCSettings.IsServerGC}, Confluent.Kafka {Library.VersionString}");

        var codec = new AvroRecordCodec();
        Variant[] variants = [Build(codec, "payloadRef", count, inline: false), Build(codec, "inline 20 KB", count, inline: true)];
        foreach (var v in variants)
        {
            Console.WriteLine($"variant {v.Name}: {v.Records.Length} records, {v.Records.Select(r => r.CaseId).Distinct().Count()} cases, " +
                $"Avro value {v.Encoded.Min(e => e.Length)}–{v.Encoded.Max(e => e.Length)} B; encode only, one thread: {EncodeRate(codec, v):0} records/s");
        }

        await using var cluster = await KafkaMockProcess.StartAsync([new KafkaMockTopic(Topic, Partitions)], brokers: 3);
        using var broker = Process.GetProcessById(cluster.ProcessId);
        Console.WriteLine($"mock cluster: pid {cluster.ProcessId}, {cluster.Bootstrap}, topic {Topic} with {Partitions} partitions, replication 3");

        var options = new KafkaOptions { BootstrapServers = cluster.Bootstrap, ClientId = "cleiss-bench", DeliveryTimeout = TimeSpan.FromSeconds(30), Client = client };
        Console.WriteLine($"client settings on both producers: {(client.Count == 0 ? "none beyond the transport's (librdkafka defaults, linger.ms 5)" : string.Join(", ", client.Select(kv => $"{kv.Key}={kv.Value}")))}");
        using var transport = new KafkaStageTransport(options);
        // The same settings KafkaStageTransport builds (idempotent, acks=all, 5 in flight, murmur2_random, delivery timeout).
        using var raw = new ProducerBuilder<string, byte[]>(new ProducerConfig(new Dictionary<string, string>(options.Client))
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            MaxInFlight = 5,
            Partitioner = Partitioner.Murmur2Random,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
        }).Build();

        Func<int, Variant, Task> Operation(Path path) => path == Path.Hub
            ? async (i, v) =>
            {
                // What the hub does per record: stamp, encode, publish, await the ack.
                var record = v.Records[i] with { ProducedAt = DateTimeOffset.UtcNow };
                await transport.PublishAsync(Topic, record.CaseId, codec.Encode(record), CancellationToken.None);
            }
            : async (i, v) =>
            {
                var result = await raw.ProduceAsync(Topic, new Message<string, byte[]> { Key = v.Records[i].CaseId, Value = v.Encoded[i] });
                if (result.Status != PersistenceStatus.Persisted)
                {
                    throw new InvalidOperationException($"not persisted: {result.Status}");
                }
            };

        // One unreported pass of each path and variant (JIT, connections, idempotent producer ids).
        foreach (var v in variants)
        {
            foreach (var path in new[] { Path.Raw, Path.Hub })
            {
                await MeasureAsync(path, Operation(path), v, concurrencies.Max(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), broker, "warm-up pass (not reported): ");
            }
        }

        var results = new List<RunResult>();
        foreach (var v in variants)
        {
            foreach (var concurrency in concurrencies)
            {
                foreach (var path in new[] { Path.Raw, Path.Hub, Path.Raw, Path.Hub })
                {
                    results.Add(await MeasureAsync(path, Operation(path), v, concurrency, warmUp, measure, broker, ""));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| variant | C | raw records/s | hub records/s | hub/raw | raw p50 / p99 ms | hub p50 / p99 ms | CPU cores client / broker (raw; hub) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Variant, r.Concurrency)))
        {
            var (rawRate, rawLatency, rawCpu) = Combine(group.Where(r => r.Path == Path.Raw));
            var (hubRate, hubLatency, hubCpu) = Combine(group.Where(r => r.Path == Path.Hub));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Variant} | {group.Key.Concurrency} | {rawRate:0} | {hubRate:0} | {hubRate / rawRate:0.00} | {Ms(rawLatency, 50)} / {Ms(rawLatency, 99)} | " +
                $"{Ms(hubLatency, 50)} / {Ms(hubLatency, 99)} | {rawCpu.Client:0.00} / {rawCpu.Broker:0.00}; {hubCpu.Client:0.00} / {hubCpu.Broker:0.00} |"));
        }
        Console.WriteLine($"per run (records/s): {string.Join("; ", results.GroupBy(r => (r.Variant, r.Concurrency)).Select(g => $"{g.Key.Variant} C={g.Key.Concurrency}: " + string.Join(" ", g.Select(r => $"{r.Path} {r.Records / r.Seconds:0}"))))}");
        Console.WriteLine($"load at the end {As4Driver.LoadAverage()}");
        return results.All(r => r.Records > 0) ? 0 : 1;
    }

    private static async Task<RunResult> MeasureAsync(Path path, Func<int, Variant, Task> operation, Variant variant, int concurrency, TimeSpan warmUp, TimeSpan measure, Process broker, string label)
    {
        long next = -1;
        long windowStart = long.MaxValue, windowEnd = long.MaxValue;
        var stop = false;
        var histograms = new LongHistogram[concurrency];
        var counts = new long[concurrency];

        async Task PublisherAsync(int index)
        {
            var histogram = histograms[index] = new LongHistogram(60_000_000, 3);
            while (!Volatile.Read(ref stop))
            {
                var i = (int)(Interlocked.Increment(ref next) % variant.Records.Length);
                var started = Stopwatch.GetTimestamp();
                await operation(i, variant);
                var ended = Stopwatch.GetTimestamp();
                if (started >= Volatile.Read(ref windowStart) && ended <= Volatile.Read(ref windowEnd))
                {
                    histogram.RecordValue(Stopwatch.GetElapsedTime(started, ended).Ticks / 10);
                    counts[index]++;
                }
            }
        }

        var publishers = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => PublisherAsync(i))).ToArray();
        await Task.Delay(warmUp);
        using var self = Process.GetCurrentProcess();
        broker.Refresh();
        var (clientBefore, brokerBefore) = (self.TotalProcessorTime, broker.TotalProcessorTime);
        Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
        await Task.Delay(measure);
        Volatile.Write(ref windowEnd, Stopwatch.GetTimestamp());
        self.Refresh();
        broker.Refresh();
        var seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        var clientCores = (self.TotalProcessorTime - clientBefore).TotalSeconds / seconds;
        var brokerCores = (broker.TotalProcessorTime - brokerBefore).TotalSeconds / seconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(publishers);

        var latency = new LongHistogram(60_000_000, 3);
        foreach (var histogram in histograms)
        {
            latency.Add(histogram);
        }
        var total = counts.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}{path,-3} {variant.Name,-12} C={concurrency,-3}: {total / seconds,8:0} records/s, p50 {Ms(latency, 50)} ms, p99 {Ms(latency, 99)} ms, " +
            $"CPU client {clientCores:0.00} broker {brokerCores:0.00} cores, load {As4Driver.LoadAverage()}"));
        return new RunResult(path, variant.Name, concurrency, seconds, total, latency, clientCores, brokerCores);
    }

    private static (double Rate, LongHistogram Latency, (double Client, double Broker) Cpu) Combine(IEnumerable<RunResult> runs)
    {
        var list = runs.ToList();
        var latency = new LongHistogram(60_000_000, 3);
        foreach (var run in list)
        {
            latency.Add(run.LatencyMicroseconds);
        }
        var seconds = list.Sum(r => r.Seconds);
        return (list.Sum(r => r.Records) / seconds, latency, (list.Sum(r => r.ClientCores * r.Seconds) / seconds, list.Sum(r => r.BrokerCores * r.Seconds) / seconds));
    }

    /// <summary>Records as the hub publishes them on hub.outbound.accepted: a reference to the stored document (5–50 KB), or the document inline.</summary>
    private static Variant Build(AvroRecordCodec codec, string name, int count, bool inline)
    {
        var random = new Random(7);
        var acceptedAt = new DateTimeOffset(2026, 11, 26, 21, 0, 0, TimeSpan.Zero);
        var records = new StageRecord[count];
        for (var i = 0; i < count; i++)
        {
            var document = new byte[inline ? InlinePayloadBytes : random.Next(5 * 1024, 50 * 1024 + 1)];
            random.NextBytes(document);
            var id = Guid.NewGuid();
            var at = acceptedAt.AddMilliseconds(i * 37);
            records[i] = new StageRecord(
                id, Direction.Outbound, string.Create(CultureInfo.InvariantCulture, $"FR-2026-LA01-{random.Next(1, count / 4 + 1):000000}"), Topic,
                "urn:uuid:" + Guid.NewGuid(), Convert.ToHexStringLower(SHA256.HashData(document)),
                inline ? document : null, inline ? null : "store:document/" + id, at, at.AddMilliseconds(3));
        }
        return new Variant(name, records, [.. records.Select(codec.Encode)]);
    }

    private static double EncodeRate(AvroRecordCodec codec, Variant variant)
    {
        for (var i = 0; i < 2000; i++)
        {
            codec.Encode(variant.Records[i % variant.Records.Length]);
        }
        var n = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1))
        {
            codec.Encode(variant.Records[n++ % variant.Records.Length] with { ProducedAt = DateTimeOffset.UtcNow });
        }
        return n / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static string Ms(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? "n/a" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("0.00", CultureInfo.InvariantCulture);

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

}
