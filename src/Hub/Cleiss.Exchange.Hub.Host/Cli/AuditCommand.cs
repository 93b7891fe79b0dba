using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Postgres;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Audit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss audit verify|prove|check-proof|checkpoint</c>: the tamper evidence of the audit trail (Merkle tree with
/// RFC 6962 hashing, signed checkpoints). verify and prove read the data folder's store, or with --postgres the cluster's
/// database (the hub may be running);
/// checkpoint signs one now and needs the hub stopped; check-proof needs nothing but the proof file.
/// Exit 0 valid / done, 1 invalid, 2 usage or I/O error.
/// </summary>
internal static class AuditCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Build()
    {
        var data = KeysCommand.DataOption();
        var postgres = new Option<string?>("--postgres") { Description = "Cluster mode: read the audit trail from this PostgreSQL database (an Npgsql connection string) instead of the data folder's store." };

        var verify = new Command("verify", "Recompute the hash chain and the Merkle tree of every audit entry and check every signed checkpoint; prints OK or the first bad entry.") { data, postgres };
        verify.SetAction((result, cancellationToken) => RunAsync("audit verify", async () =>
        {
            var folder = result.GetValue(data)!;
            var trusted = KeysCommand.Store(folder).List().Where(k => k.Owner == KeysCommand.Owner(null, folder)).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
            await using var store = Open(folder, result.GetValue(postgres));
            var outcome = await AuditLedger.VerifyAsync(store.Store, trusted, cancellationToken);
            if (outcome.IsValid)
            {
                Console.WriteLine($"OK: {outcome.Entries} entries, {outcome.Checkpoints} signed checkpoint(s), hash chain and Merkle roots match");
                return 0;
            }
            Console.WriteLine($"BAD{(outcome.FirstBadSeq is { } seq ? $" at entry {seq}" : string.Empty)}: {outcome.Problem}");
            return 1;
        }, cancellationToken));

        var id = new Option<long>("--id") { Description = "The audit entry (its sequence number, as in GET /api/v1/documents/{id} events).", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the proof there instead of standard output." };
        var prove = new Command("prove", "Print an inclusion proof of one audit entry against the newest signed checkpoint (JSON), for `cleiss audit check-proof`.") { id, data, postgres, output };
        prove.SetAction((result, cancellationToken) => RunAsync("audit prove", async () =>
        {
            await using var store = Open(result.GetValue(data)!, result.GetValue(postgres));
            var (proof, problem) = await AuditLedger.ProveAsync(store.Store, result.GetValue(id), cancellationToken);
            if (proof is null)
            {
                Console.Error.WriteLine($"cleiss audit prove: {problem}");
                return 1;
            }
            var text = JsonSerializer.Serialize(proof, Json);
            if (result.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, text, cancellationToken);
            }
            else
            {
                Console.WriteLine(text);
            }
            return 0;
        }, cancellationToken));

        var proofFile = new Argument<FileInfo>("proof") { Description = "A proof written by `cleiss audit prove`." };
        var cert = new Option<FileInfo?>("--cert") { Description = "The hub's certificate (PEM), obtained out of band: the checkpoint must be signed by it." };
        var check = new Command("check-proof", "Check an inclusion proof on its own: entry → leaf → audit path → signed checkpoint root.") { proofFile, cert };
        check.SetAction((result, cancellationToken) => RunAsync("audit check-proof", async () =>
        {
            var proof = JsonSerializer.Deserialize<AuditProof>(await File.ReadAllTextAsync(result.GetValue(proofFile)!.FullName, cancellationToken), Json)
                ?? throw new InvalidDataException("empty proof");
            using var trusted = result.GetValue(cert) is { } pem ? X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem.FullName, cancellationToken)) : null;
            if (AuditLedger.Check(proof, trusted) is { } problem)
            {
                Console.WriteLine($"INVALID: {problem}");
                return 1;
            }
            Console.WriteLine($"VALID: entry {proof.Entry.Seq} ({proof.Entry.Event} of document {proof.Entry.DocumentId}) is leaf {proof.LeafIndex} of the tree of {proof.TreeSize} entries "
                + $"whose root {proof.Checkpoint.Root[..16]}… was signed at {proof.Checkpoint.At} by key {proof.Checkpoint.KeyId}"
                + (trusted is null ? " (the key is the proof's own certificate: compare its id with the hub's published one, or pass --cert)" : " (the certificate given)"));
            return 0;
        }, cancellationToken));

        var checkpoint = new Command("checkpoint", "Sign a checkpoint now over every entry not yet covered (the hub must be stopped; it signs them itself while running).") { data };
        checkpoint.SetAction((result, cancellationToken) => RunAsync("audit checkpoint", async () =>
        {
            var folder = result.GetValue(data)!;
            await using var store = Open(folder);
            await store.InitializeAsync(cancellationToken);
            using var checkpointer = new AuditCheckpointer(store, KeysCommand.Store(folder), Options.Create(new AuditOptions()), TimeProvider.System, NullLogger<AuditCheckpointer>.Instance);
            var signed = await checkpointer.CheckpointIfDueAsync(cancellationToken, force: true);
            Console.WriteLine(signed is null ? "nothing to sign: every entry is covered (or the trail does not match its last checkpoint: run `cleiss audit verify`)"
                : $"signed checkpoint at tree size {signed.TreeSize}, root {signed.Root}, key {signed.KeyId}");
            return 0;
        }, cancellationToken));

        return new Command("audit", "Tamper evidence of the audit trail: verify it, prove an entry, check a proof.") { verify, prove, check, checkpoint };
    }

    /// <summary>The store holding the audit trail: the cluster's PostgreSQL database when given, else the data folder's SQLite store.</summary>
    private static AuditSource Open(string dataDirectory, string? postgres)
    {
        if (postgres is not null)
        {
            var cluster = new PostgresHubStore(Options.Create(new PostgresStoreOptions { ConnectionString = postgres }), NullLogger<PostgresHubStore>.Instance);
            return new AuditSource(cluster, cluster);
        }
        var embedded = Open(dataDirectory);
        return new AuditSource(embedded, embedded);
    }

    /// <summary>A store opened for reading its audit trail, disposed with it.</summary>
    private sealed record AuditSource(IAuditLedgerStore Store, IAsyncDisposable Owner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    private static SqliteHubStore Open(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "hub.db");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no hub store at {Path.GetFullPath(path)}");
        }
        var hub = KeysCommand.Configuration(dataDirectory).GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions { DataDirectory = dataDirectory };
        return new SqliteHubStore(Options.Create(hub), NullLogger<SqliteHubStore>.Instance);
    }

    private static async Task<int> RunAsync(string name, Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException
            or ArgumentException or JsonException or InvalidDataException or HubStorageException && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"cleiss audit: {name}: {ex.Message}");
            return 2;
        }
    }
}
