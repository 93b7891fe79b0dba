using Cleiss.Exchange.Hub.Host;
using Xunit.Abstractions;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Cluster mode end to end in one test process: hub nodes on one PostgreSQL schema and one Kafka cluster, documents
/// posted to either node, each delivered once to the simulated partner by whichever node holds its partition.
/// </summary>
public sealed class ClusterModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterRig _rig = new();

    public Task InitializeAsync() => _rig.InitializeAsync();

    public Task DisposeAsync() => _rig.DisposeAsync();

    [ClusterFact]
    public async Task Two_nodes_share_the_documents_each_is_delivered_once_and_the_audit_verifies()
    {
        var second = await _rig.StartNodeAsync();
        try
        {
            using var secondApi = new HttpClient { BaseAddress = ServerAddress.Of(second), Timeout = HubRig.Patience };
            var ids = new List<Guid>();
            var instances = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var body = HubRig.Fresh(i % 2 == 0 ? "valid/A001-outbound-1.xml" : "valid/P2000-outbound-1.xml");
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/xml");
                using var response = await (i % 2 == 0 ? _rig.Api : secondApi).PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content);
                Assert.Equal(202, (int)response.StatusCode);
                var answer = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                ids.Add(Guid.Parse(answer["id"]!.GetValue<string>()));
                instances.Add(Hub.Samples.SampleScenario.Header(body).InstanceIdentifier);
            }
            foreach (var id in ids)
            {
                await _rig.WaitForAsync(id, "delivered");
            }

            var received = _rig.Partner.Received.Where(r => instances.Contains(r.InstanceIdentifier)).ToList();
            Assert.Equal(instances.Order(), received.Select(r => r.InstanceIdentifier).Order());
            Assert.All(received, r => Assert.True(r.SignatureValid));
            var audit = await _rig.VerifyAuditAsync();
            Assert.True(audit.IsValid, audit.Problem);
            output.WriteLine($"{ids.Count} documents delivered once each through Kafka; audit {audit.Entries} entries verify");
        }
        finally
        {
            await HubRig.StopAsync(second);
        }
    }
}
