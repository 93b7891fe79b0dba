using System.Diagnostics;
using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;
using Cleiss.Exchange.Hub.Kafka.Configuration;
using Cleiss.Exchange.Hub.Kafka.Transport;
using Cleiss.Exchange.KafkaMockHost;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Transport;

/// <summary>
/// Nothing of the hub is needed to read what it writes: `kcat -C` (Debian's, its own librdkafka) fetches the hub's record
/// from the Kafka-protocol cluster, and the Node.js `avsc` package decodes it with the repository's `.avsc` file.
/// Skipped with the reason when kcat, node or avsc is missing (`./test.sh` installs them).
/// </summary>
public sealed class IndependentReadersTests(MockKafkaCluster cluster) : IClassFixture<MockKafkaCluster>
{
    [IndependentReadersFact]
    public async Task Kcat_reads_the_hubs_record_and_node_avsc_decodes_it_with_the_project_schema()
    {
        var topic = "hub.outbound.accepted." + Guid.NewGuid().ToString("N")[..8];
        cluster.CreateTopic(topic, 3);
        var at = new DateTimeOffset(2026, 11, 26, 20, 0, 0, 125, TimeSpan.Zero);
        var record = new StageRecord(Guid.NewGuid(), Direction.Outbound, "FR-2026-LA01-000123", topic, "urn:uuid:42", new string('a', 64), null, "store:document/42", at, at);
        using (var transport = new KafkaStageTransport(new KafkaOptions { BootstrapServers = cluster.BootstrapServers, ClientId = "hub-writer", DeliveryTimeout = TimeSpan.FromSeconds(20) }))
        {
            await transport.PublishAsync(topic, record.CaseId, new AvroRecordCodec().Encode(record), CancellationToken.None);
        }

        var (kcatExit, value, kcatError) = await RunAsync("kcat", null, "-C", "-b", cluster.BootstrapServers, "-t", topic, "-o", "beginning", "-c", "1", "-e", "-q", "-f", "%s");
        Assert.True(kcatExit == 0 && value.Length > 0, $"kcat: {kcatError}");

        var schema = Path.Combine(IndependentReaders.RepositoryRoot, "schemas", "avro", "StageRecord.avsc");
        const string Decode = "const avsc=require('avsc');const fs=require('fs');const t=avsc.Type.forSchema(JSON.parse(fs.readFileSync(process.argv[1],'utf8')));" +
            "const v=t.fromBuffer(fs.readFileSync(0));process.stdout.write(JSON.stringify(v,(k,x)=>typeof x==='bigint'?x.toString():x));";
        var (nodeExit, json, nodeError) = await RunAsync("node", value, "-e", Decode, schema);
        Assert.True(nodeExit == 0, $"node avsc: {nodeError}");

        using var decoded = JsonDocument.Parse(json);
        var root = decoded.RootElement;
        var text = root.ToString();
        Assert.Contains(record.DocumentId.ToString(), text, StringComparison.Ordinal);
        Assert.Contains(record.CaseId, text, StringComparison.Ordinal);
        Assert.Contains("store:document/42", text, StringComparison.Ordinal);
        Assert.Contains(record.ContentSha256, text, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, byte[] Output, string Error)> RunAsync(string file, byte[]? input, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        if (IndependentReaders.NodeModules is { } modules)
        {
            start.Environment["NODE_PATH"] = modules;
        }
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await copy;
        return (process.ExitCode, output.ToArray(), await error);
    }
}

/// <summary>Where the independent readers are: kcat and node on the PATH, avsc in the repository's node tools folder or NODE_PATH.</summary>
internal static class IndependentReaders
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The node_modules folder holding avsc (artifacts/node/node_modules, as ./test.sh installs it), or null.</summary>
    public static string? NodeModules { get; } = Directory.Exists(Path.Combine(RepositoryRoot, "artifacts", "node", "node_modules", "avsc"))
        ? Path.Combine(RepositoryRoot, "artifacts", "node", "node_modules")
        : null;

    public static string? Missing =>
        !OnPath("kcat") ? "kcat is not installed (./test.sh installs it from apt)"
        : !OnPath("node") ? "node is not installed (./test.sh installs nodejs from apt)"
        : NodeModules is null ? "the Node avsc package is not installed under artifacts/node (./test.sh installs it with npm)"
        : null;

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, name)));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cleiss.Exchange.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cleiss.Exchange.sln not found above the test binaries.");
    }
}

/// <summary>A fact that needs kcat, node and avsc; skipped with the reason otherwise.</summary>
internal sealed class IndependentReadersFactAttribute : FactAttribute
{
    public IndependentReadersFactAttribute()
    {
        if (IndependentReaders.Missing is { } why)
        {
            Skip = why;
        }
    }
}
