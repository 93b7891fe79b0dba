using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Storage;

/// <summary>The durable outbox: due documents come out first of their case only, a re-park keeps the place, and it survives a restart.</summary>
public sealed class OutboxStoreTests : IAsyncLifetime
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
    public async Task Only_the_first_document_of_a_case_comes_out_when_due_and_a_repark_keeps_its_place_across_a_restart()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid();
        await _store.ParkAsync(a, "case-1", "BE:AP0001", Now, 1, CancellationToken.None);
        await _store.ParkAsync(b, "case-1", "BE:AP0001", Now, 0, CancellationToken.None); // behind a
        await _store.ParkAsync(c, "case-2", "NL:AP0001", Now.AddMinutes(1), 2, CancellationToken.None); // not due yet
        await _store.ParkAsync(d, "case-3", "NL:AP0001", Now.AddSeconds(-5), 3, CancellationToken.None);

        Assert.Equal([new OutboxEntry(d, 3), new OutboxEntry(a, 1)], await _store.DueAsync(Now, 10, CancellationToken.None));
        Assert.True(await _store.IsCaseParkedAsync("case-1", CancellationToken.None));

        await _store.ParkAsync(a, "case-1", "BE:AP0001", Now.AddMinutes(5), 2, CancellationToken.None); // a retries later: b still waits behind it
        await _store.DisposeAsync();
        _store = await OpenAsync();
        Assert.Equal([new OutboxEntry(d, 3)], await _store.DueAsync(Now, 10, CancellationToken.None));

        await _store.UnparkAsync(a, CancellationToken.None);
        await _store.UnparkAsync(d, CancellationToken.None);
        Assert.Equal([new OutboxEntry(b, 0)], await _store.DueAsync(Now, 10, CancellationToken.None));
        Assert.False(await _store.IsParkedAsync(a, CancellationToken.None));
        Assert.Equal(2, await _store.CountParkedAsync(CancellationToken.None));
        Assert.Equal([new OutboxEntry(b, 0), new OutboxEntry(c, 2)], await _store.DueAsync(Now.AddMinutes(2), 10, CancellationToken.None)); // earliest due first
    }
}
