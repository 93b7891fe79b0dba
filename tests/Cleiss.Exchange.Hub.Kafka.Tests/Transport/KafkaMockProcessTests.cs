using System.Diagnostics;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.KafkaMockHost;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Transport;

/// <summary>
/// The mock cluster in its own process (<c>dotnet Cleiss.Exchange.KafkaMockHost.dll</c>), as the multi-node tests use it:
/// ready line, a hub record through it and back, and a bounded exit once its stdin closes.
/// </summary>
public sealed class KafkaMockProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_hub_record_travels_through_the_mock_host_process_which_exits_when_its_stdin_closes()
    {
        var topic = "hub.outbound.accepted." + Guid.NewGuid().ToString("N")[..8];
        await using var host = await KafkaMockProcess.StartAsync([new KafkaMockTopic(topic, 3)], brokers: 3, startTimeout: StartTimeout);
        Assert.Equal(3, host.Bootstrap.Split(',').Length);
        Assert.All(host.Bootstrap.Split(','), b => Assert.StartsWith("127.0.0.1:", b, StringComparison.Ordinal));

        var at = new DateTimeOffset(2026, 11, 26, 21, 0, 0, 500, TimeSpan.Zero);
        var record = new StageRecord(Guid.NewGuid(), Direction.Outbound, "FR-2026-LA01-000901", topic, "urn:uuid:901", new string('d', 64), null, "store:document/901", at, at);
        var codec = new AvroRecordCodec();
        using (var transport = new KafkaStageTransport(new KafkaOptions
        {
            BootstrapServers = host.Bootstrap,
            ClientId = "hub-process-test",
            DeliveryTimeout = TimeSpan.FromSeconds(20),
            SessionTimeout = TimeSpan.FromSeconds(10),
        }))
        {
            var position = await transport.PublishAsync(topic, record.CaseId, codec.Encode(record), CancellationToken.None);
            Assert.InRange(position.Partition, 0, 2);

            using var subscription = transport.Subscribe("group-" + Guid.NewGuid().ToString("N"), [topic]);
            StageMessage? received = null;
            var deadline = DateTime.UtcNow + Deadline;
            while (received is null)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no record within {Deadline.TotalSeconds} s; host stderr: {host.StandardError}");
                await subscription.HandleNextAsync((m, _) => { received = m; return Task.CompletedTask; }, TimeSpan.FromMilliseconds(250), CancellationToken.None);
            }
            Assert.Equal(record.CaseId, received.Key);
            Assert.Equal(position.Offset, received.Offset);
            Assert.Equal(record, codec.DecodeStage(received.Value));
        }

        var stopwatch = Stopwatch.StartNew();
        var exitCode = await host.StopAsync(ExitTimeout);
        Assert.Equal(0, exitCode);
        Assert.True(host.HasExited);
        Assert.True(stopwatch.Elapsed < ExitTimeout, $"exit took {stopwatch.Elapsed}");
        Assert.Contains("end of stdin", host.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_host_takes_its_brokers_with_it()
    {
        await using var host = await KafkaMockProcess.StartAsync([], brokers: 1, startTimeout: StartTimeout);
        var port = int.Parse(host.Bootstrap.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

        await host.KillAsync();

        Assert.True(host.HasExited);
        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync(System.Net.IPAddress.Loopback, port));
    }
}
