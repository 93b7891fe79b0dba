using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Storage;

/// <summary>AS4 duplicate elimination on eb:MessageId: persistent, same id + same content = duplicate, other content = conflict (S19, S20).</summary>
public sealed class MessageIdStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _folder = new();
    private SqliteHubStore _store = null!;

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<SqliteHubStore> OpenAsync()
    {
        var store = new SqliteHubStore(Builders.Hub(_folder.Path), NullLogger<SqliteHubStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task The_first_receipt_is_new_a_resend_is_a_duplicate_of_the_first_document_and_other_content_is_a_conflict()
    {
        var first = Guid.NewGuid();

        var fresh = await _store.RegisterAsync("m1@be", "sha-a", first, Now, CancellationToken.None);
        var resend = await _store.RegisterAsync("m1@be", "sha-a", Guid.NewGuid(), Now.AddMinutes(1), CancellationToken.None);
        var conflict = await _store.RegisterAsync("m1@be", "sha-b", Guid.NewGuid(), Now.AddMinutes(2), CancellationToken.None);
        var other = await _store.RegisterAsync("m2@be", "sha-b", Guid.NewGuid(), Now, CancellationToken.None);

        Assert.Equal(new MessageIdRegistration(MessageIdState.New, first), fresh);
        Assert.Equal(new MessageIdRegistration(MessageIdState.Duplicate, first), resend);
        Assert.Equal(new MessageIdRegistration(MessageIdState.Conflict, first), conflict);
        Assert.Equal(MessageIdState.New, other.State);
    }

    [Fact]
    public async Task Ids_survive_a_restart_and_are_forgotten_only_when_purged()
    {
        var first = Guid.NewGuid();
        await _store.RegisterAsync("old@be", "sha", first, Now.AddDays(-40), CancellationToken.None);
        await _store.RegisterAsync("recent@be", "sha", Guid.NewGuid(), Now.AddDays(-1), CancellationToken.None);
        await _store.DisposeAsync();
        _store = await OpenAsync();

        var afterRestart = await _store.RegisterAsync("old@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);
        var purged = await _store.PurgeAsync(Now.AddDays(-30), CancellationToken.None);
        var afterPurge = await _store.RegisterAsync("old@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);
        var recent = await _store.RegisterAsync("recent@be", "sha", Guid.NewGuid(), Now, CancellationToken.None);

        Assert.Equal(new MessageIdRegistration(MessageIdState.Duplicate, first), afterRestart);
        Assert.Equal(1, purged);
        Assert.Equal(MessageIdState.New, afterPurge.State);
        Assert.Equal(MessageIdState.Duplicate, recent.State);
    }

    [Fact]
    public async Task Concurrent_receipts_of_one_id_record_it_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            _store.RegisterAsync("race@be", "sha", Guid.NewGuid(), Now, CancellationToken.None)));

        Assert.Single(results, r => r.State == MessageIdState.New);
        Assert.Equal(15, results.Count(r => r.State == MessageIdState.Duplicate));
        Assert.Single(results.Select(r => r.DocumentId).Distinct());
    }

    [Fact]
    public async Task An_id_recorded_before_its_document_exists_gets_it_assigned_once()
    {
        var document = Guid.NewGuid();
        await _store.RegisterAsync("early@be", "sha", Guid.Empty, Now, CancellationToken.None);
        var provisional = await _store.FindAsync("early@be", CancellationToken.None);

        await _store.AssignAsync("early@be", document, CancellationToken.None);
        await _store.AssignAsync("early@be", Guid.NewGuid(), CancellationToken.None); // never overwritten

        Assert.Equal(("sha", Guid.Empty), provisional);
        Assert.Equal(("sha", document), await _store.FindAsync("early@be", CancellationToken.None));
    }
}
