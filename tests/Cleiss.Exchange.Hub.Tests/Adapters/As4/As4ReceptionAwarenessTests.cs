using Cleiss.Exchange.Adapters.As4.Receiving;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// Reception awareness from the P-Mode (resends, waits, horizon) and the duplicate-elimination window that must
/// outlast it: validated at start, then purged on that window only.
/// </summary>
public sealed class As4ReceptionAwarenessTests
{
    private static As4PMode PMode(int retries, TimeSpan interval) => new() { Id = "be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4", RetryCount = retries, RetryInterval = interval };

    [Fact]
    public void The_P_Mode_gives_RetryCount_resends_with_doubling_waits_capped_at_an_hour()
    {
        var policy = PMode(5, TimeSpan.FromMinutes(10)).RetryPolicy();

        Assert.Equal(6, policy.MaxAttempts);
        Assert.Equal([10, 20, 40, 60, 60], Enumerable.Range(1, 5).Select(a => policy.After(a).TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(190), policy.Horizon);
        Assert.Equal(TimeSpan.Zero, PMode(0, TimeSpan.FromSeconds(1)).RetryPolicy().Horizon);
    }

    [Fact]
    public void The_duplicate_window_must_be_a_day_and_twice_the_longest_retry_horizon()
    {
        var validator = new As4PModeValidator();
        var pmodes = new List<As4PMode> { PMode(5, TimeSpan.FromSeconds(30)), new() { Id = "nl", AccessPointId = "NL:AP0001", Url = "https://nl.example/as4", RetryCount = 30, RetryInterval = TimeSpan.FromHours(1) } };

        var tooShort = validator.Validate(null, new As4Options { PModes = pmodes, DuplicateRetention = TimeSpan.FromDays(2) });
        var enough = validator.Validate(null, new As4Options { PModes = pmodes, DuplicateRetention = TimeSpan.FromDays(3) });
        var underADay = validator.Validate(null, new As4Options { DuplicateRetention = TimeSpan.FromHours(12) });

        Assert.Contains("DuplicateRetention must be at least a day and twice the longest P-Mode retry horizon (1.06:00:00)", tooShort.FailureMessage, StringComparison.Ordinal);
        Assert.True(enough.Succeeded, enough.FailureMessage);
        Assert.True(underADay.Failed);
    }

    [Fact]
    public async Task The_purge_forgets_only_ids_older_than_the_window()
    {
        using var folder = new TempDirectory();
        await using var store = new SqliteHubStore(Builders.Hub(folder.Path), NullLogger<SqliteHubStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        await store.RegisterAsync("old@be", "a", Guid.NewGuid(), now.AddDays(-31), CancellationToken.None);
        await store.RegisterAsync("recent@be", "b", Guid.NewGuid(), now.AddDays(-29), CancellationToken.None);
        var purge = new As4MessageIdPurge(store, Microsoft.Extensions.Options.Options.Create(new As4Options()), new FakeTimeProvider(now), NullLogger<As4MessageIdPurge>.Instance);

        Assert.Equal(1, await purge.PurgeOnceAsync(CancellationToken.None));
        Assert.Null(await store.FindAsync("old@be", CancellationToken.None));
        Assert.NotNull(await store.FindAsync("recent@be", CancellationToken.None));
        Assert.Equal(0, await purge.PurgeOnceAsync(CancellationToken.None));
    }
}
