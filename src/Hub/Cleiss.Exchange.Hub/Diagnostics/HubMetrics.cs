using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cleiss.Exchange.Hub.Diagnostics;

/// <summary>
/// The hub's counters and histograms (meter <c>Cleiss.Exchange.Hub</c>). Tags are stage, direction,
/// SED type, outcome and error code: never institution ids of persons, never payload content.
/// </summary>
public sealed class HubMetrics
{
    public const string MeterName = "Cleiss.Exchange.Hub";

    private readonly Counter<long> _transitions;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _intake;

    public HubMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _transitions = meter.CreateCounter<long>("hub.stage.transitions", "{document}", "Stage outcomes, by stage, direction and outcome.");
        _stageDuration = meter.CreateHistogram<double>("hub.stage.duration", "ms", "Time spent in each stage.");
        _intake = meter.CreateCounter<long>("hub.intake.requests", "{document}", "Documents offered to the hub, by direction and result.");
    }

    internal void StageCompleted(string stage, string direction, string outcome, string? code, double elapsedMs)
    {
        var tags = new TagList
        {
            { "stage", stage },
            { "direction", direction },
            { "outcome", outcome },
        };
        if (code is not null)
        {
            tags.Add("code", code);
        }
        _transitions.Add(1, tags);
        _stageDuration.Record(elapsedMs, new TagList { { "stage", stage }, { "direction", direction } });
    }

    internal void IntakeResult(string direction, string result) =>
        _intake.Add(1, new TagList { { "direction", direction }, { "result", result } });
}
