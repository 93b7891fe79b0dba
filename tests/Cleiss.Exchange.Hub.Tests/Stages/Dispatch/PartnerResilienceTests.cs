using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Dispatch;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cleiss.Exchange.Hub.Tests.Stages.Dispatch;

/// <summary>
/// The per-partner Polly pipeline around dispatch: a partner that keeps failing opens its circuit, after which nothing
/// is sent to it (the stage schedules a retry at once) while other partners are untouched; one trial after the break
/// closes it again; and at most <c>MaxConcurrentPerPartner</c> exchanges are in flight with one partner. Retry waits
/// are spread by the jitter.
/// </summary>
public sealed class PartnerResilienceTests : IDisposable
{
    private readonly TempDirectory _hubData = new();
    private readonly TempDirectory _keys = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly DispatchOptions _options = new() { Jitter = 0, BreakerMinimumThroughput = 4, BreakerFailureRatio = 0.5, BreakerBreakDuration = TimeSpan.FromSeconds(30), MaxConcurrentPerPartner = 2 };

    public PartnerResilienceTests()
    {
        Builders.Key(_keys, "BE:AP0001");
        Directory.CreateDirectory(TrustStore.Folder(_hubData.Path));
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "BE_AP0001")), Path.Combine(TrustStore.Folder(_hubData.Path), "be.pem"));
    }

    public void Dispose()
    {
        _hubData.Dispose();
        _keys.Dispose();
    }

    private async Task<StageOutcome> DispatchAsync(IPartnerTransport transport, PartnerResilience resilience)
    {
        var hub = Builders.Hub(_hubData.Path);
        using var certificates = new CertificateValidator(hub, Options.Create(new TrustOptions()), TimeProvider.System, NullLogger<CertificateValidator>.Instance);
        var stage = new DispatchStage(transport, new TrustStore(hub, NullLogger<TrustStore>.Instance), certificates, Options.Create(_options), Builders.Limits(), resilience: resilience);
        var context = Builders.Ingested(Builders.Sample("valid/A001-outbound-1.xml"));
        context.Route = new RouteDecision("BE:ONSS00001", "BE:AP0001", new Uri("http://127.0.0.1:1/ap"), "test");
        context.SignedPayload = context.Payload;
        return await stage.ExecuteAsync(context, CancellationToken.None);
    }

    [Fact]
    public async Task A_failing_partner_opens_its_circuit_nothing_is_sent_while_open_other_partners_are_untouched_and_a_trial_closes_it()
    {
        var resilience = new PartnerResilience(Options.Create(_options), _time, NullLogger<PartnerResilience>.Instance);
        var down = new CountingTransport(_ => new PartnerResponse(503, [], null));

        var failures = new List<StageOutcome>();
        for (var i = 0; i < 4; i++)
        {
            failures.Add(await DispatchAsync(down, resilience));
        }
        var whileOpen = await DispatchAsync(down, resilience);

        Assert.All(failures, f => Assert.Equal(ExchangeErrors.DispatchPartnerError, f.Error!.Code));
        Assert.Equal((StageOutcomeKind.Retry, ExchangeErrors.DispatchCircuitOpen), (whileOpen.Kind, whileOpen.Error!.Code));
        Assert.Equal(4, down.Calls); // the fifth was not sent
        var other = await resilience.For("NL:AP0001").ExecuteAsync(_ => ValueTask.FromResult(new PartnerResponse(200, [], null)));
        Assert.Equal(200, other.StatusCode);

        _time.Advance(TimeSpan.FromSeconds(31));
        var back = new CountingTransport(_ => new PartnerResponse(503, [], null));
        var trial = await DispatchAsync(back, resilience); // half-open: one trial goes through (and fails again)
        var reopened = await DispatchAsync(back, resilience);
        Assert.Equal((1, ExchangeErrors.DispatchPartnerError, ExchangeErrors.DispatchCircuitOpen), (back.Calls, trial.Error!.Code, reopened.Error!.Code));

        _time.Advance(TimeSpan.FromSeconds(31));
        var allowed = new CountingTransport(_ => throw new HttpRequestException("refused")); // the next trial is let through
        var afterRecovery = await DispatchAsync(allowed, resilience);
        Assert.Equal(1, allowed.Calls);
        Assert.Equal(ExchangeErrors.DispatchUnreachable, afterRecovery.Error!.Code);
    }

    [Fact]
    public async Task At_most_the_configured_number_of_exchanges_are_in_flight_with_one_partner()
    {
        var resilience = new PartnerResilience(Options.Create(_options), TimeProvider.System, NullLogger<PartnerResilience>.Instance);
        var inFlight = 0;
        var highest = 0;
        var calls = Enumerable.Range(0, 8).Select(_ => resilience.For("BE:AP0001").ExecuteAsync(async token =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref highest, now);
            await Task.Delay(30, token);
            Interlocked.Decrement(ref inFlight);
            return new PartnerResponse(200, [], null);
        }).AsTask()).ToList();

        await Task.WhenAll(calls);

        Assert.Equal(2, highest);
    }

    [Fact]
    public async Task Retry_waits_are_spread_by_the_jitter_and_stay_within_it()
    {
        var options = new DispatchOptions { Jitter = 0.2, InitialBackoff = TimeSpan.FromSeconds(10) };
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 50; i++)
        {
            waits.Add(await JitteredAsync(options));
        }

        Assert.All(waits, w => Assert.InRange(w.TotalSeconds, 8.0, 12.0));
        Assert.True(waits.Distinct().Count() > 10, "the waits should differ");
    }

    private async Task<TimeSpan> JitteredAsync(DispatchOptions options)
    {
        var hub = Builders.Hub(_hubData.Path);
        using var certificates = new CertificateValidator(hub, Options.Create(new TrustOptions()), TimeProvider.System, NullLogger<CertificateValidator>.Instance);
        var stage = new DispatchStage(new CountingTransport(_ => throw new HttpRequestException("down")), new TrustStore(hub, NullLogger<TrustStore>.Instance), certificates, Options.Create(options), Builders.Limits());
        var context = Builders.Ingested(Builders.Sample("valid/A001-outbound-1.xml"));
        context.Route = new RouteDecision("BE:ONSS00001", "BE:AP0001", new Uri("http://127.0.0.1:1/ap"), "test");
        context.SignedPayload = context.Payload;
        return (await stage.ExecuteAsync(context, CancellationToken.None)).RetryAfter;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class CountingTransport(Func<PartnerMessage, PartnerResponse> answer) : IPartnerTransport
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<PartnerResponse> SendAsync(PartnerMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(answer(message));
        }
    }
}
