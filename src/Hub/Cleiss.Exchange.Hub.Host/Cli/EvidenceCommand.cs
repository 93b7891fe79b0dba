using System.CommandLine;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Postgres;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Evidence;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss evidence export --id ID</c>: the evidence archive of one document (zip, <see cref="EvidenceExporter"/>) from
/// the data folder's store, or with --postgres the cluster's database; the hub may be running. Exit 0 written, 1 no such
/// document, 2 usage or I/O error.
/// </summary>
internal static class EvidenceCommand
{
    public static Command Build()
    {
        var data = KeysCommand.DataOption();
        var id = new Option<Guid>("--id") { Description = "The document id.", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "The archive to write (default evidence-<id>.zip in the current folder)." };
        var postgres = new Option<string?>("--postgres") { Description = "Cluster mode: read the document from this PostgreSQL database (an Npgsql connection string) instead of the data folder's store." };
        var export = new Command("export", "Write one document's evidence archive: payload, signed document, AS4 exchange, validation report, routing, certificates, audit events with inclusion proofs.") { id, data, postgres, output };
        export.SetAction(async (result, cancellationToken) =>
        {
            var folder = result.GetValue(data)!;
            var documentId = result.GetValue(id);
            var target = result.GetValue(output)?.FullName ?? Path.GetFullPath($"evidence-{documentId}.zip");
            var cluster = result.GetValue(postgres);
            try
            {
                if (cluster is null && !File.Exists(Path.Combine(folder, "hub.db")))
                {
                    throw new FileNotFoundException($"no hub store at {Path.GetFullPath(Path.Combine(folder, "hub.db"))}");
                }
                var configuration = new ConfigurationBuilder().AddConfiguration(KeysCommand.Configuration(folder))
                    .AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:Postgres:ConnectionString"] = cluster })
                    .Build();
                var collection = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddExchangeHub();
                if (cluster is not null)
                {
                    collection.AddPostgresHubStore(); // the keys and trust still come from the data folder
                }
                await using var services = collection.BuildServiceProvider();
                var exporter = services.GetRequiredService<EvidenceExporter>();
                var temporary = target + ".part";
                EvidenceManifest? manifest;
                await using (var file = File.Create(temporary))
                {
                    manifest = await exporter.ExportAsync(documentId, file, cancellationToken);
                }
                if (manifest is null)
                {
                    File.Delete(temporary);
                    Console.Error.WriteLine($"cleiss evidence export: no document {documentId}");
                    return 1;
                }
                File.Move(temporary, target, overwrite: true);
                Console.WriteLine($"wrote {target}: {manifest.Files.Count} files for {manifest.Direction} {manifest.SedType} {documentId} ({manifest.Status})");
                foreach (var gap in manifest.Missing)
                {
                    Console.WriteLine($"  missing: {gap}");
                }
                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HubStorageException or InvalidOperationException)
            {
                Console.Error.WriteLine($"cleiss evidence export: {ex.Message}");
                return 2;
            }
        });
        return new Command("evidence", "Evidence archives of documents.") { export };
    }
}
