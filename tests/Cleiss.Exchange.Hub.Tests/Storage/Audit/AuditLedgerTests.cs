using System.Text.Json;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cleiss.Exchange.Hub.Tests.Storage.Audit;

/// <summary>
/// The tamper-evident audit trail on the real embedded store: signed checkpoints over the Merkle tree of every entry,
/// a verification that finds any changed, deleted, reordered or inserted row (even with the hash chain rewritten),
/// and inclusion proofs a third party checks with the proof alone.
/// </summary>
public sealed class AuditLedgerTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private SqliteHubStore _store = null!;
    private SigningKeyStore _keys = null!;
    private AuditCheckpointer _checkpointer = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        _keys = new SigningKeyStore(Builders.Hub(_folder.Path), TimeProvider.System, NullLogger<SigningKeyStore>.Instance);
        _checkpointer = NewCheckpointer();
    }

    public async Task DisposeAsync()
    {
        _checkpointer.Dispose();
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private AuditCheckpointer NewCheckpointer() => new(_store, _keys, Options.Create(new AuditOptions { CheckpointEveryEntries = 5, CheckpointInterval = TimeSpan.FromMinutes(1) }), _time, NullLogger<AuditCheckpointer>.Instance);

    private HashSet<string> HubKeys => [_keys.Current.KeyId];

    private async Task AppendAsync(int count, string prefix = "e")
    {
        var id = Guid.NewGuid();
        var events = Enumerable.Range(0, count).Select(i => new NewAuditEvent(id, _time.GetUtcNow(), "stage", $"{prefix}{i}", null, new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) })).ToList();
        await _store.AppendAuditAsync(events, CancellationToken.None);
    }

    private Task<AuditVerification> VerifyAsync() => AuditLedger.VerifyAsync(_store, HubKeys, CancellationToken.None);

    private void Tamper(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS audit_is_append_only_update; DROP TRIGGER IF EXISTS audit_is_append_only_delete; " + sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Checkpoints_are_signed_every_N_entries_or_after_T_and_the_trail_verifies()
    {
        await AppendAsync(3);
        Assert.Null(await _checkpointer.CheckpointIfDueAsync(CancellationToken.None)); // 3 < 5 and not yet a minute
        _time.Advance(TimeSpan.FromMinutes(1));
        var byTime = await _checkpointer.CheckpointIfDueAsync(CancellationToken.None);
        await AppendAsync(6);
        var byCount = await _checkpointer.CheckpointIfDueAsync(CancellationToken.None);
        Assert.Null(await _checkpointer.CheckpointIfDueAsync(CancellationToken.None)); // nothing new

        Assert.Equal(3, byTime!.TreeSize);
        Assert.Equal(9, byCount!.TreeSize);
        Assert.Null(byCount.SignatureProblem());
        var outcome = await VerifyAsync();
        Assert.True(outcome.IsValid, outcome.Problem);
        Assert.Equal((9L, 2), (outcome.Entries, outcome.Checkpoints));
        Assert.False((await AuditLedger.VerifyAsync(_store, new HashSet<string> { "another-key" }, CancellationToken.None)).IsValid);
    }

    [Theory]
    [InlineData("UPDATE audit SET facts = '{\"n\":\"forged\"}' WHERE seq = 4", 4L)]
    [InlineData("DELETE FROM audit WHERE seq = 4", 5L)]
    [InlineData("UPDATE audit SET event = (SELECT event FROM audit WHERE seq = 5) WHERE seq = 4", 4L)]
    public async Task A_changed_deleted_or_reordered_row_is_found_at_its_entry(string tampering, long firstBad)
    {
        await AppendAsync(8);
        await _checkpointer.CheckpointIfDueAsync(CancellationToken.None, force: true);

        Tamper(tampering);

        var outcome = await VerifyAsync();
        Assert.False(outcome.IsValid);
        Assert.Equal(firstBad, outcome.FirstBadSeq);
    }

    [Fact]
    public async Task Rewriting_the_whole_hash_chain_after_a_change_or_dropping_the_last_rows_is_caught_by_the_signed_roots()
    {
        await AppendAsync(8);
        await _checkpointer.CheckpointIfDueAsync(CancellationToken.None, force: true);
        var rows = await _store.ReadAuditRowsAsync(0, CancellationToken.None).ToListAsync();

        // An attacker with write access changes entry 3 and recomputes every chain hash after it.
        var previous = SqliteHubStore.GenesisHash;
        var updates = new List<string>();
        foreach (var row in rows)
        {
            var facts = row.Seq == 3 ? "{\"n\":\"forged\"}" : row.Facts;
            var hash = SqliteHubStore.ChainHash(previous, row.DocumentId, row.At, row.Stage, row.Event, row.Code, facts);
            updates.Add($"UPDATE audit SET facts = '{facts}', prev_hash = '{previous}', hash = '{hash}' WHERE seq = {row.Seq};");
            previous = hash;
        }
        Tamper(string.Concat(updates));
        var rewritten = await VerifyAsync();

        Assert.False(rewritten.IsValid);
        Assert.Null(rewritten.FirstBadSeq); // the chain is consistent again...
        Assert.Contains("checkpoint at tree size 8: the entries do not have the signed root", rewritten.Problem, StringComparison.Ordinal); // ...the signed root is not

        Tamper("DELETE FROM audit WHERE seq >= 7");
        Assert.Contains("only 6 entries are left", (await VerifyAsync()).Problem, StringComparison.Ordinal);
        Assert.Null(await NewCheckpointer().CheckpointIfDueAsync(CancellationToken.None, force: true)); // no checkpoint over a trail that no longer matches
    }

    [Fact]
    public async Task A_forged_checkpoint_is_refused()
    {
        await AppendAsync(4);
        await _checkpointer.CheckpointIfDueAsync(CancellationToken.None, force: true);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "hub.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_checkpoints_append_only_update; UPDATE audit_checkpoints SET root = (CASE WHEN substr(root, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(root, 2)";
            command.ExecuteNonQuery();
        }

        var outcome = await VerifyAsync();

        Assert.Contains("the signature does not verify", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inclusion_proof_checks_with_the_proof_alone_and_fails_when_anything_in_it_changes()
    {
        await AppendAsync(7);
        Assert.Equal("no checkpoint has been signed yet", (await AuditLedger.ProveAsync(_store, 1, CancellationToken.None)).Problem);
        await _checkpointer.CheckpointIfDueAsync(CancellationToken.None, force: true);
        await AppendAsync(2); // not yet covered

        var (proof, problem) = await AuditLedger.ProveAsync(_store, 5, CancellationToken.None);
        var (uncovered, why) = await AuditLedger.ProveAsync(_store, 9, CancellationToken.None);

        Assert.Null(problem);
        Assert.Null(AuditLedger.Check(proof!));
        Assert.Null(AuditLedger.Check(proof!, _keys.Current.Certificate));
        Assert.Null(uncovered);
        Assert.Contains("not covered by the newest checkpoint", why, StringComparison.Ordinal);
        var roundTrip = JsonSerializer.Deserialize<AuditProof>(JsonSerializer.Serialize(proof))!;
        Assert.Null(AuditLedger.Check(roundTrip));

        var changed = proof!.Entry with { Facts = "{\"n\":\"x\"}" };
        Assert.NotNull(AuditLedger.Check(proof with { Entry = changed }));
        Assert.NotNull(AuditLedger.Check(proof with { Entry = changed, LeafHash = Convert.ToHexStringLower(changed.LeafHash()) }));
        Assert.NotNull(AuditLedger.Check(proof with { LeafIndex = proof.LeafIndex + 1 }));
        Assert.NotNull(AuditLedger.Check(proof with { Path = [.. proof.Path.Reverse()] }));
        Assert.NotNull(AuditLedger.Check(proof with { Checkpoint = proof.Checkpoint with { At = "2030-01-01T00:00:00.0000000Z" } }));
        using var other = System.Security.Cryptography.RSA.Create(2048);
        var stranger = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=X", other, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal("the checkpoint is not signed by the trusted certificate", AuditLedger.Check(proof, stranger));
    }
}
