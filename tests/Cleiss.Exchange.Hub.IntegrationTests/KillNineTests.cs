using System.Collections.Concurrent;
using System.Diagnostics;
using Cleiss.Exchange.Hub.Host.Cli;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// Crash safety of the real host process (`cleiss run`): documents are posted while the process is killed with SIGKILL at
/// random moments and restarted, several times (seeded, so a failure replays). Afterwards every acknowledged document
/// (202) was delivered to the simulated partner exactly once (its duplicate elimination absorbs the re-sends a crash
/// causes, and counts them), none is stuck, and the audit trail verifies.
/// </summary>
public sealed class KillNineTests(ITestOutputHelper output)
{
    private const int Seed = 20261126;
    private const int Kills = 4;
    private static readonly string[] Samples = ["valid/A001-outbound-1.xml", "valid/P2000-outbound-1.xml", "valid/H001-outbound-1.xml"];

    [Fact]
    public async Task Every_acknowledged_document_is_delivered_exactly_once_across_repeated_kill_9_and_the_audit_verifies()
    {
        var random = new Random(Seed);
        using var folder = new TempFolder();
        var hubData = Path.Combine(folder.Path, "hub");
        await using var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = Path.Combine(folder.Path, "partner"),
        }, CancellationToken.None);
        Directory.CreateDirectory(TrustStore.Folder(hubData));
        File.Copy(partner.CertificatePath, Path.Combine(TrustStore.Folder(hubData), "be.pem"));
        var url = DemoRunner.WithFreePort("http://127.0.0.1:0");
        using var api = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        var acknowledged = new ConcurrentDictionary<Guid, string>();

        for (var round = 0; round <= Kills; round++)
        {
            using var hub = Start(hubData, url, partner.Endpoint);
            await WaitReadyAsync(api, hub);
            if (round == 0)
            {
                Directory.CreateDirectory(partner.TrustFolder);
                File.Copy(SigningKeyStore.CertificatePath(hubData), Path.Combine(partner.TrustFolder, "fr.pem"), overwrite: true);
            }
            if (round == Kills)
            {
                var restarted = Stopwatch.StartNew();
                var stuck = await WaitAllDeliveredAsync(api, acknowledged.Keys);
                output.WriteLine($"recovery: every acknowledged document delivered {restarted.ElapsedMilliseconds} ms after the last restart");
                Assert.Empty(stuck);
                await StopAsync(hub);
                break;
            }
            using var posting = new CancellationTokenSource();
            var poster = PostUntilCancelledAsync(api, random.Next(), acknowledged, posting.Token);
            await Task.Delay(random.Next(300, 1500));
            hub.Kill(entireProcessTree: true); // SIGKILL: no shutdown code runs
            await hub.WaitForExitAsync();
            await posting.CancelAsync();
            await poster;
            output.WriteLine($"kill {round + 1}: {acknowledged.Count} acknowledged so far");
        }

        var received = partner.Received;
        var delivered = received.Select(r => r.InstanceIdentifier).ToHashSet(StringComparer.Ordinal);
        var lost = acknowledged.Values.Where(i => !delivered.Contains(i)).ToList();
        output.WriteLine($"seed {Seed}: acknowledged {acknowledged.Count}, delivered {received.Count(r => acknowledged.Values.Contains(r.InstanceIdentifier))}, " +
            $"duplicates 0 (re-sends absorbed by the partner's dedup: {received.Sum(r => r.Attempts - 1)}), lost {lost.Count}, kills survived {Kills}");
        Assert.True(acknowledged.Count >= Kills, "too few documents were acknowledged to test anything");
        Assert.Empty(lost);
        Assert.All(received, r => Assert.True(r.SignatureValid));

        await using var store = new SqliteHubStore(Microsoft.Extensions.Options.Options.Create(new Configuration.HubOptions { DataDirectory = hubData }), NullLogger<SqliteHubStore>.Instance);
        var keys = new SigningKeyStore(Microsoft.Extensions.Options.Options.Create(new Configuration.HubOptions { DataDirectory = hubData }), TimeProvider.System, NullLogger<SigningKeyStore>.Instance);
        var audit = await AuditLedger.VerifyAsync(store, keys.List().Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal), CancellationToken.None);
        Assert.True(audit.IsValid, audit.Problem);
        output.WriteLine($"audit: {audit.Entries} entries, {audit.Checkpoints} checkpoints, chain and roots verify");
    }

    private static Process Start(string data, string url, Uri partner)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), "run", "--data", data, "--urls", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Hub__Routing__EndpointOverrides__0__AccessPointId"] = "BE:AP0001";
        start.Environment["Hub__Routing__EndpointOverrides__0__Url"] = partner.ToString();
        start.Environment["Hub__Dispatch__InitialBackoff"] = "00:00:00.100";
        start.Environment["Hub__Dispatch__MaxBackoff"] = "00:00:00.500";
        start.Environment["Hub__Dispatch__MaxAttempts"] = "20";
        start.Environment["Hub__Audit__CheckpointInterval"] = "00:00:00.300";
        start.Environment["Hub__Audit__CheckpointPoll"] = "00:00:00.100";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient api, Process hub)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(hub.HasExited, $"the hub exited with {(hub.HasExited ? hub.ExitCode : 0)} at start");
            try
            {
                using var ready = await api.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail("the hub did not become ready within 30 s");
    }

    /// <summary>Posts fresh documents, a few at a time, until cancelled or the hub dies; records each 202.</summary>
    private static async Task PostUntilCancelledAsync(HttpClient api, int seed, ConcurrentDictionary<Guid, string> acknowledged, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = Enumerable.Range(0, 4).Select(async _ =>
            {
                var document = HubRig.Fresh(Samples[random.Next(Samples.Length)]);
                var instance = Header(document);
                try
                {
                    using var content = new ByteArrayContent(document);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
                    using var response = await api.PostAsync("/api/v1/documents", content, CancellationToken.None);
                    if ((int)response.StatusCode == 202)
                    {
                        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                        acknowledged[Guid.Parse(body["id"]!.GetValue<string>())] = instance;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    // Killed mid-request: no answer, so not acknowledged (it may or may not have been stored).
                }
            }).ToList();
            await Task.WhenAll(batch);
        }
    }

    private static string Header(byte[] document) => Hub.Samples.SampleScenario.Header(document).InstanceIdentifier;

    /// <summary>Waits (bounded) until every acknowledged document is delivered; returns the ones that are not.</summary>
    private static async Task<List<Guid>> WaitAllDeliveredAsync(HttpClient api, IEnumerable<Guid> ids)
    {
        var pending = ids.ToHashSet();
        for (var i = 0; i < 600 && pending.Count > 0; i++)
        {
            foreach (var id in pending.ToList())
            {
                var view = await api.GetFromJsonAsync<Host.Endpoints.DocumentView>($"/api/v1/documents/{id}");
                if (view!.Status == DocumentStatus.Delivered)
                {
                    pending.Remove(id);
                }
            }
            if (pending.Count > 0)
            {
                await Task.Delay(100);
            }
        }
        return pending.ToList();
    }

    private static async Task StopAsync(Process hub)
    {
        hub.Kill(entireProcessTree: true);
        await hub.WaitForExitAsync();
    }
}
