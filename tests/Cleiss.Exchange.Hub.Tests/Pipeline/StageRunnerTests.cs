using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cleiss.Exchange.Hub.Tests.Pipeline;

public sealed class StageRunnerTests
{
    private readonly FakeTimeProvider _time = new();

    private StageRunner Runner(int maxAttempts = 3) => new(
        new HubMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()), _time,
        Options.Create(new DispatchOptions { MaxAttempts = maxAttempts }), NullLogger<StageRunner>.Instance);

    private static ExchangeContext Context() => new(Guid.NewGuid(), Direction.Outbound, "<a/>"u8.ToArray());

    [Fact]
    public async Task Stages_run_in_order_and_each_transition_is_recorded()
    {
        var sink = new RecordingSink();
        var result = await Runner().RunAsync([new ScriptedStage("one", StageOutcome.Continue), new ScriptedStage("two", StageOutcome.Completed)], 0, Context(), sink, CancellationToken.None);

        Assert.Equal(StageOutcomeKind.Completed, result.Kind);
        Assert.Equal(["one-done", "two-done"], sink.Events.Select(e => e.Event));
    }

    [Fact]
    public async Task A_rejection_stops_the_segment_with_its_code()
    {
        var sink = new RecordingSink();
        var error = ExchangeErrors.Permanent("X.CODE", "one", "no");
        var result = await Runner().RunAsync([new ScriptedStage("one", StageOutcome.Reject(error)), new ScriptedStage("two", StageOutcome.Continue)], 0, Context(), sink, CancellationToken.None);

        Assert.Equal(StageOutcomeKind.Rejected, result.Kind);
        var only = Assert.Single(sink.Events);
        Assert.Equal("rejected", only.Event);
        Assert.Equal("X.CODE", only.Code);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_after_its_delay_then_succeeds()
    {
        var sink = new RecordingSink();
        var stage = new ScriptedStage("flaky", StageOutcome.Retry(ExchangeErrors.Transient("X.DOWN", "flaky", "down"), TimeSpan.FromSeconds(10)), StageOutcome.Completed);
        var run = Runner().RunAsync([stage], 0, Context(), sink, CancellationToken.None).AsTask();

        await WaitUntilAsync(() => sink.Events.Count == 1);
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(10));
        var result = await run;

        Assert.Equal(StageOutcomeKind.Completed, result.Kind);
        Assert.Equal(["retry-scheduled", "flaky-done"], sink.Events.Select(e => e.Event));
        Assert.Equal("1", sink.Events[0].Facts["attempt"]);
    }

    [Fact]
    public async Task When_attempts_run_out_the_document_fails_with_the_underlying_code()
    {
        var sink = new RecordingSink();
        var down = StageOutcome.Retry(ExchangeErrors.Transient("X.DOWN", "flaky", "down"), TimeSpan.FromSeconds(1));
        var run = Runner(maxAttempts: 2).RunAsync([new ScriptedStage("flaky", down, down, down)], 0, Context(), sink, CancellationToken.None).AsTask();

        await WaitUntilAsync(() => sink.Events.Count == 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await run;

        Assert.Equal(StageOutcomeKind.DeadLetter, result.Kind);
        Assert.Equal("X.DOWN", result.Error!.Code);
        Assert.Equal(["retry-scheduled", "failed"], sink.Events.Select(e => e.Event));
    }

    [Fact]
    public async Task A_stage_with_its_own_retry_policy_gets_its_attempts_not_the_hub_default()
    {
        var sink = new RecordingSink();
        var down = StageOutcome.Retry(ExchangeErrors.Transient("X.DOWN", "flaky", "down"), TimeSpan.FromSeconds(1), maxAttempts: 4);
        var run = Runner(maxAttempts: 2).RunAsync([new ScriptedStage("flaky", down, down, down, down, StageOutcome.Completed)], 0, Context(), sink, CancellationToken.None).AsTask();

        for (var waited = 1; waited <= 3; waited++)
        {
            await WaitUntilAsync(() => sink.Events.Count == waited);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        var result = await run;

        Assert.Equal(StageOutcomeKind.DeadLetter, result.Kind);
        Assert.Equal(["retry-scheduled", "retry-scheduled", "retry-scheduled", "failed"], sink.Events.Select(e => e.Event));
        Assert.StartsWith("Gave up after 4 attempts", result.Error!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stage_that_throws_dead_letters_its_document_and_the_runner_goes_on()
    {
        var sink = new RecordingSink();
        var result = await Runner().RunAsync([new ThrowingStage()], 0, Context(), sink, CancellationToken.None);
        var next = await Runner().RunAsync([new ScriptedStage("ok", StageOutcome.Completed)], 0, Context(), sink, CancellationToken.None);

        Assert.Equal(StageOutcomeKind.DeadLetter, result.Kind);
        Assert.Equal(ExchangeErrors.HubInternal, result.Error!.Code);
        Assert.Equal(StageOutcomeKind.Completed, next.Kind);
    }

    [Fact]
    public async Task Extra_events_of_a_stage_come_before_its_own_event()
    {
        var sink = new RecordingSink();
        await Runner().RunAsync([new ScriptedStage("two-step", StageOutcome.Completed) { Extra = "dispatched" }], 0, Context(), sink, CancellationToken.None);
        Assert.Equal(["dispatched", "two-step-done"], sink.Events.Select(e => e.Event));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition());
    }

    private sealed class ScriptedStage(string name, params StageOutcome[] outcomes) : IStage
    {
        private int _calls;

        public string? Extra { get; init; }

        public string Name => name;

        public string CompletedEvent => name + "-done";

        public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken)
        {
            if (Extra is not null)
            {
                context.AddEvent(Extra, new Dictionary<string, string>());
            }
            return ValueTask.FromResult(outcomes[Math.Min(_calls++, outcomes.Length - 1)]);
        }
    }

    private sealed class ThrowingStage : IStage
    {
        public string Name => "broken";

        public string CompletedEvent => "never";

        public ValueTask<StageOutcome> ExecuteAsync(ExchangeContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("bug");
    }

    private sealed class RecordingSink : ITransitionSink
    {
        public List<NewAuditEvent> Events { get; } = [];

        public ValueTask OnTransitionAsync(IStage stage, ExchangeContext context, StageOutcome outcome, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
        {
            lock (Events)
            {
                Events.AddRange(events);
            }
            return ValueTask.CompletedTask;
        }
    }
}
