using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Evidence;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>
/// The store compliance suite: the behaviours every hub store must have, whatever keeps the data. One small subclass
/// per store (<see cref="SqliteStoreComplianceTests"/>, <see cref="PostgresStoreComplianceTests"/>) says how to open
/// it again on the same data and how to run raw SQL beside it; known differences are declared there with a reason.
/// </summary>
/// <remarks>
/// Covers what is ported to PostgreSQL so far: <see cref="IHubStore"/> (documents, cases and timers, inboxes, dead
/// letters, the audit hash chain), the stage log, exchange evidence, AS4 pull queues, AS4 duplicate elimination
/// (S19, S20), the durable outbox, and the audit rows with the signed checkpoints of their Merkle tree.
/// </remarks>
public abstract partial class StoreComplianceTests<TStore> : IAsyncLifetime
    where TStore : class, IHubStore, IStageLog, IEvidenceStore, IAs4PullStore, IMessageIdStore, IOutboxStore, IAuditTrailStore, Hub.Storage.Audit.IAuditLedgerStore, IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    protected TStore Store { get; private set; } = null!;

    /// <summary>Opens (and initialises) the store on this test's data; called again after a dispose to mean a restart.</summary>
    protected abstract Task<TStore> OpenAsync();

    /// <summary>Runs SQL on the store's database directly, as an operator (or an attacker) with database access could.</summary>
    protected abstract Task ExecuteSqlAsync(string sql);

    /// <summary>SQL that removes the store's own protection of the audit rows (append-only triggers).</summary>
    protected abstract string DropAuditProtectionSql { get; }

    /// <summary>Whether the database lets a stored audit sequence number be rewritten once the protection is dropped.</summary>
    protected virtual bool AuditSequenceCanBeRewritten => true;

    /// <summary>Whether claiming outbox entries leases them (a store several nodes share); see <see cref="IOutboxStore.ClaimDueAsync"/>.</summary>
    protected virtual bool ClaimsLeaseOutboxEntries => true;

    public virtual async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    protected async Task RestartAsync()
    {
        await Store.DisposeAsync();
        Store = await OpenAsync();
    }

    // --- AS4 duplicate elimination on eb:MessageId: persistent, same id + same content = duplicate, other content = conflict.

    [StoreFact]
    public async Task The_first_receipt_is_new_a_resend_is_a_duplicate_of_the_first_document_and_other_content_is_a_conflict()
    {
        var first = Guid.NewGuid();

        var fresh = await Store.RegisterAsync("m1@be", "sha-a", first, Now, CancellationToken.None);
        var resend = await Store.RegisterAsync("m1@be", "sha-a", Guid.NewGuid(), Now.AddMinutes(1), CancellationToken.None);
        var conflict = await Store.RegisterAsync("m1@be", "sha-b", Guid.NewGuid(), Now.AddMinutes(2), CancellationToken.None);
        var other = await Store.RegisterAsync("m2@be", "sha-b", Guid.NewGuid(), Now, CancellationToken.None);

        Assert.Equal(new MessageIdRegistration(MessageIdState.New, first), fresh);
        Assert.Equal(new MessageIdRegistration(MessageIdState.Duplicate, first), resend);
        Assert.Equal(new MessageIdRegistration(MessageIdState.Conflict, first), conflict);
        Assert.Equal(MessageIdState.New, other.State);
    }

    [StoreFact]
    public async Task Ids_survive_a_restart_and_are_forgotten_only_when_purged()
    {
        var first = Guid.NewGuid();
        await Store.RegisterAsync("old@be", "sha", first, Now.AddDays(-40), CancellationToken.None);
        await Store.RegisterAsync("recent@be", "sha", Guid.NewGuid(), Now.AddDays(-1), CancellationToken.None);
        await RestartAsync();

        var afterRestart = await Store.RegisterAsync("old@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);
        var purged = await Store.PurgeAsync(Now.AddDays(-30), CancellationToken.None);
        var afterPurge = await Store.RegisterAsync("old@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);
        var recent = await Store.RegisterAsync("recent@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);

        Assert.Equal(new MessageIdRegistration(MessageIdState.Duplicate, first), afterRestart);
        Assert.Equal(1, purged);
        Assert.Equal(MessageIdState.New, afterPurge.State);
        Assert.Equal(MessageIdState.Duplicate, recent.State);
    }

    [StoreFact]
    public async Task Concurrent_receipts_of_one_id_record_it_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Store.RegisterAsync("race@be", "sha", Guid.NewGuid(), Now, CancellationToken.None)));

        Assert.Single(results, r => r.State == MessageIdState.New);
        Assert.Equal(15, results.Count(r => r.State == MessageIdState.Duplicate));
        Assert.Single(results.Select(r => r.DocumentId).Distinct());
    }

    [StoreFact]
    public async Task An_id_recorded_before_its_document_exists_gets_it_assigned_once()
    {
        var document = Guid.NewGuid();
        await Store.RegisterAsync("early@be", "sha", Guid.Empty, Now, CancellationToken.None);
        var provisional = await Store.FindAsync("early@be", CancellationToken.None);

        await Store.AssignAsync("early@be", document, CancellationToken.None);
        await Store.AssignAsync("early@be", Guid.NewGuid(), CancellationToken.None); // never overwritten

        Assert.Equal(("sha", Guid.Empty), provisional);
        Assert.Equal(("sha", document), await Store.FindAsync("early@be", CancellationToken.None));
        Assert.Null(await Store.FindAsync("never@be", CancellationToken.None));
    }

    // --- The durable outbox: due documents come out first of their case only, a re-park keeps the place, it survives a restart.

    [StoreFact]
    public async Task Only_the_first_document_of_a_case_comes_out_when_due_and_a_repark_keeps_its_place_across_a_restart()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid();
        await Store.ParkAsync(a, "case-1", "BE:AP0001", Now, 1, CancellationToken.None);
        await Store.ParkAsync(b, "case-1", "BE:AP0001", Now, 0, CancellationToken.None); // behind a
        await Store.ParkAsync(c, "case-2", "NL:AP0001", Now.AddMinutes(1), 2, CancellationToken.None); // not due yet
        await Store.ParkAsync(d, "case-3", "NL:AP0001", Now.AddSeconds(-5), 3, CancellationToken.None);

        Assert.Equal([new OutboxEntry(d, 3), new OutboxEntry(a, 1)], await Store.DueAsync(Now, 10, CancellationToken.None));
        Assert.True(await Store.IsCaseParkedAsync("case-1", CancellationToken.None));

        await Store.ParkAsync(a, "case-1", "BE:AP0001", Now.AddMinutes(5), 2, CancellationToken.None); // a retries later: b still waits behind it
        await RestartAsync();
        Assert.Equal([new OutboxEntry(d, 3)], await Store.DueAsync(Now, 10, CancellationToken.None));

        await Store.UnparkAsync(a, CancellationToken.None);
        await Store.UnparkAsync(d, CancellationToken.None);
        Assert.Equal([new OutboxEntry(b, 0)], await Store.DueAsync(Now, 10, CancellationToken.None));
        Assert.False(await Store.IsParkedAsync(a, CancellationToken.None));
        Assert.Equal(2, await Store.CountParkedAsync(CancellationToken.None));
        Assert.Equal([new OutboxEntry(b, 0), new OutboxEntry(c, 2)], await Store.DueAsync(Now.AddMinutes(2), 10, CancellationToken.None)); // earliest due first
    }

    [StoreFact]
    public async Task A_claimed_outbox_entry_is_due_again_only_when_its_lease_ends()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        await Store.ParkAsync(a, "case-1", "BE:AP0001", Now, 1, CancellationToken.None);
        await Store.ParkAsync(b, "case-2", "BE:AP0001", Now, 2, CancellationToken.None);

        var claimed = await Store.ClaimDueAsync(Now, 1, TimeSpan.FromMinutes(2), CancellationToken.None);
        var next = await Store.ClaimDueAsync(Now, 10, TimeSpan.FromMinutes(2), CancellationToken.None);

        Assert.Equal([new OutboxEntry(a, 1)], claimed);
        if (!ClaimsLeaseOutboxEntries)
        {
            Assert.Equal([new OutboxEntry(a, 1), new OutboxEntry(b, 2)], next); // one process: nothing to share, nothing held back
            return;
        }
        Assert.Equal([new OutboxEntry(b, 2)], next); // another node's claim skips the leased one
        Assert.Empty(await Store.DueAsync(Now.AddMinutes(1), 10, CancellationToken.None));
        Assert.Equal([new OutboxEntry(a, 1), new OutboxEntry(b, 2)], await Store.DueAsync(Now.AddMinutes(2), 10, CancellationToken.None)); // the claimer died: due again
        Assert.True(await Store.IsParkedAsync(a, CancellationToken.None));
    }

    // --- The audit trail: append-only, hash-chained, the same chain on every store.

    private static NewAuditEvent AuditEvent(Guid id, string name, string? code = null) =>
        new(id, Now, "stage", name, code, new Dictionary<string, string> { ["k"] = "v" });

    [StoreFact]
    public async Task Audit_events_are_chained_with_the_same_hashes_on_every_store_and_the_chain_continues_after_a_restart()
    {
        var doc = Guid.Parse("01900000-0000-7000-8000-000000000001");
        await Store.AppendAuditAsync([AuditEvent(doc, "accepted"), AuditEvent(doc, "rejected", "SCHEMA.INVALID")], CancellationToken.None);
        await RestartAsync();
        await Store.AppendAuditAsync([AuditEvent(doc, "acknowledged")], CancellationToken.None);

        var trail = await Store.GetAuditTrailAsync(doc, CancellationToken.None);

        Assert.Equal(["accepted", "rejected", "acknowledged"], trail.Select(e => e.Event));
        Assert.Equal("SCHEMA.INVALID", trail[1].Code);
        Assert.Equal(Now, trail[0].At);
        Assert.Equal("v", trail[0].Facts["k"]);
        var previous = SqliteHubStore.GenesisHash;
        foreach (var e in trail)
        {
            previous = SqliteHubStore.ChainHash(previous, doc.ToString(), "2026-11-26T12:00:00.0000000Z", "stage", e.Event, e.Code, "{\"k\":\"v\"}");
            Assert.Equal(previous, e.Hash);
        }
        Assert.Null(await Store.VerifyAuditChainAsync(CancellationToken.None));
        Assert.Empty(await Store.GetAuditTrailAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [StoreFact]
    public async Task The_audit_trail_cannot_be_updated_or_deleted_through_SQL()
    {
        var doc = Guid.NewGuid();
        await Store.AppendAuditAsync([AuditEvent(doc, "accepted")], CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteSqlAsync("UPDATE audit SET event = 'forged'"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteSqlAsync("DELETE FROM audit"));
        Assert.Equal("accepted", Assert.Single(await Store.GetAuditTrailAsync(doc, CancellationToken.None)).Event);
    }

    [StoreFact]
    public async Task Changing_or_deleting_a_stored_audit_row_breaks_the_hash_chain()
    {
        var doc = Guid.NewGuid();
        await Store.AppendAuditAsync([AuditEvent(doc, "accepted"), AuditEvent(doc, "validated"), AuditEvent(doc, "routed")], CancellationToken.None);
        var seqs = (await Store.GetAuditTrailAsync(doc, CancellationToken.None)).Select(e => e.Sequence).ToList();
        await ExecuteSqlAsync(DropAuditProtectionSql);

        // Each change is undone before the next, so each one is seen on its own.
        await ExecuteSqlAsync($"UPDATE audit SET event = 'forged' WHERE seq = {seqs[1]}");
        Assert.Equal(seqs[1], await Store.VerifyAuditChainAsync(CancellationToken.None));
        await ExecuteSqlAsync($"UPDATE audit SET event = 'validated' WHERE seq = {seqs[1]}");
        Assert.Null(await Store.VerifyAuditChainAsync(CancellationToken.None));

        var renumber = ExecuteSqlAsync($"UPDATE audit SET seq = {seqs[2] + 100} WHERE seq = {seqs[0]}");
        if (AuditSequenceCanBeRewritten)
        {
            await renumber;
            Assert.Equal(seqs[1], await Store.VerifyAuditChainAsync(CancellationToken.None));
            await ExecuteSqlAsync($"UPDATE audit SET seq = {seqs[0]} WHERE seq = {seqs[2] + 100}");
        }
        else
        {
            await Assert.ThrowsAnyAsync<Exception>(() => renumber);
        }

        await ExecuteSqlAsync($"DELETE FROM audit WHERE seq = {seqs[1]}");
        Assert.Equal(seqs[2], await Store.VerifyAuditChainAsync(CancellationToken.None));
    }
}
