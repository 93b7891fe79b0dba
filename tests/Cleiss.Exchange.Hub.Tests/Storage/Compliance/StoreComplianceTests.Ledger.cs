using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>The suite's tamper-evident audit: checkpoints over the store's rows verify, a proof checks alone, a changed row is found.</summary>
public abstract partial class StoreComplianceTests<TStore>
{
    [StoreFact]
    public async Task Signed_checkpoints_over_the_stored_rows_verify_prove_and_find_a_changed_row()
    {
        using var keysFolder = new TempDirectory();
        var keys = new SigningKeyStore(Builders.Hub(keysFolder.Path), TimeProvider.System, NullLogger<SigningKeyStore>.Instance);
        using var checkpointer = new AuditCheckpointer(Store, keys, Options.Create(new AuditOptions()), TimeProvider.System, NullLogger<AuditCheckpointer>.Instance);
        var doc = Guid.NewGuid();
        await Store.AppendAuditAsync([AuditEvent(doc, "accepted"), AuditEvent(doc, "validated"), AuditEvent(doc, "routed")], CancellationToken.None);

        var checkpoint = await checkpointer.CheckpointIfDueAsync(CancellationToken.None, force: true);
        var trusted = new HashSet<string>(StringComparer.Ordinal) { keys.Current.KeyId };
        var verified = await AuditLedger.VerifyAsync(Store, trusted, CancellationToken.None);
        var seqs = (await Store.GetAuditTrailAsync(doc, CancellationToken.None)).Select(e => e.Sequence).ToList();
        var (proof, problem) = await AuditLedger.ProveAsync(Store, seqs[1], CancellationToken.None);

        Assert.Equal(checkpoint!.TreeSize, verified.Entries);
        Assert.True(verified.IsValid, verified.Problem);
        Assert.Null(problem);
        Assert.Null(AuditLedger.Check(proof!, keys.Current.Certificate));
        Assert.Equal(checkpoint, Assert.Single(await Store.GetCheckpointsAsync(CancellationToken.None)));

        await ExecuteSqlAsync(DropAuditProtectionSql);
        await ExecuteSqlAsync($"UPDATE audit SET event = 'forged' WHERE seq = {seqs[1]}");
        var tampered = await AuditLedger.VerifyAsync(Store, trusted, CancellationToken.None);
        Assert.Equal(seqs[1], tampered.FirstBadSeq);
    }
}
