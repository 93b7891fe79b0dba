using System.Collections.Concurrent;
using System.Diagnostics;
using Cleiss.Exchange.Hub.Host.Cli;
using Cleiss.Exchange.Hub.Trust;
using Xunit.Abstractions;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Cluster mode under a crash: three `cleiss run --mode cluster` processes share one PostgreSQL schema and one Kafka
/// cluster (librdkafka's mock, in a process of its own) while documents are posted to all three; one node, chosen by a
/// seeded random draw, is killed with SIGKILL mid-load and started again. Afterwards every acknowledged document (202)
/// was delivered to the simulated partner exactly once (its duplicate elimination absorbs re-sends and counts them),
/// and the audit trail the nodes wrote together verifies.
/// </summary>
public sealed class ClusterKillNineTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 20261127;
    private const int Nodes = 3;
    private readonly ClusterRig _rig = new(startsHub: false);

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [ClusterFact]
    public async Task Three_nodes_share_the_load_one_is_killed_and_restarted_and_every_document_is_delivered_once_and_the_audit_verifies()
    {
        var random = new Random(Seed);
        var urls = Enumerable.Range(0, Nodes).Select(_ => DemoRunner.WithFreePort("http://127.0.0.1:0")).ToArray();
        var apis = urls.Select(url => new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) }).ToArray();
        var nodes = new Process?[Nodes];
        var acknowledged = new ConcurrentDictionary<Guid, string>();
        try
        {
            for (var n = 0; n < Nodes; n++) // one after the other: the first creates the signing key the others use
            {
                nodes[n] = await StartNodeAsync(urls[n], apis[n]);
                if (n == 0)
                {
                    Directory.CreateDirectory(_rig.Partner.TrustFolder);
                    File.Copy(SigningKeyStore.CertificatePath(_rig.HubData), Path.Combine(_rig.Partner.TrustFolder, "fr.pem"), overwrite: true);
                }
            }

            using var posting = new CancellationTokenSource();
            var poster = HubProcess.PostUntilCancelledAsync(apis, random.Next(), acknowledged, posting.Token);
            await Task.Delay(random.Next(2000, 4000));
            var victim = random.Next(Nodes);
            var beforeKill = await DeliveredPerNodeAsync(apis);
            await HubProcess.KillAsync(nodes[victim]!);
            output.WriteLine($"node {victim + 1} killed with {acknowledged.Count} documents acknowledged");
            await Task.Delay(random.Next(1000, 3000)); // the two others go on taking documents
            nodes[victim]!.Dispose();
            nodes[victim] = await StartNodeAsync(urls[victim], apis[victim]);
            await Task.Delay(1000);
            await posting.CancelAsync();
            await poster;

            var recovery = Stopwatch.StartNew();
            var stuck = await HubProcess.WaitAllDeliveredAsync(apis[(victim + 1) % Nodes], acknowledged.Keys, TimeSpan.FromMinutes(3));
            output.WriteLine($"every acknowledged document delivered {recovery.ElapsedMilliseconds} ms after the posting stopped");
            Assert.Empty(stuck);
            var atEnd = await DeliveredPerNodeAsync(apis);
            output.WriteLine($"delivered per node (its own counter): before the kill [{string.Join(", ", beforeKill)}], at the end [{string.Join(", ", atEnd)}] (node {victim + 1} restarted from 0)");
            Assert.True(atEnd.Count(n => n > 0) >= 2, "the delivery work should be shared by the nodes");
        }
        finally
        {
            foreach (var node in nodes.OfType<Process>())
            {
                if (!node.HasExited)
                {
                    await HubProcess.KillAsync(node);
                }
                node.Dispose();
            }
            foreach (var api in apis)
            {
                api.Dispose();
            }
        }

        var received = _rig.Partner.Received;
        var delivered = received.Select(r => r.InstanceIdentifier).ToHashSet(StringComparer.Ordinal);
        var lost = acknowledged.Values.Where(i => !delivered.Contains(i)).ToList();
        output.WriteLine($"seed {Seed}: acknowledged {acknowledged.Count}, delivered {received.Count(r => acknowledged.Values.Contains(r.InstanceIdentifier))}, "
            + $"re-sends absorbed by the partner's dedup {received.Sum(r => r.Attempts - 1)}, lost {lost.Count}");
        Assert.True(acknowledged.Count >= 20, "too few documents were acknowledged to test anything");
        Assert.Empty(lost);
        Assert.All(received, r => Assert.True(r.SignatureValid));
        var audit = await _rig.VerifyAuditAsync();
        Assert.True(audit.IsValid, audit.Problem);
        output.WriteLine($"audit: {audit.Entries} entries, {audit.Checkpoints} checkpoints, chain and roots verify");
    }

    /// <summary>Documents each node delivered (dispatch completed), from its own /metrics (a restarted node counts from 0).</summary>
    private static async Task<long[]> DeliveredPerNodeAsync(HttpClient[] apis) =>
        await Task.WhenAll(apis.Select(async api =>
        {
            var text = await api.GetStringAsync("/metrics");
            return text.Split('\n')
                .Where(line => line.StartsWith("hub_stage_transitions_total{", StringComparison.Ordinal)
                    && line.Contains("stage=\"dispatch\"", StringComparison.Ordinal) && line.Contains("outcome=\"completed\"", StringComparison.Ordinal))
                .Sum(line => (long)double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        }));

    private async Task<Process> StartNodeAsync(string url, HttpClient api)
    {
        var node = HubProcess.Start(_rig.HubData, url, _rig.Partner.Endpoint, _rig.ClusterConfiguration);
        await HubProcess.WaitReadyAsync(api, node);
        return node;
    }
}
