using System.Diagnostics.Metrics;
using Cleiss.Exchange.Hub.Diagnostics;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// Listens to both hubs' <c>hub.stage.duration</c> and <c>hub.stage.transitions</c> (meter <c>Cleiss.Exchange.Hub</c>);
/// the direction tag tells the hubs apart in the AS4 runs (the Belgian hub's stages are inbound, the French hub's outbound).
/// </summary>
internal sealed class StageMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private Dictionary<string, StageTotals> _stages = new(StringComparer.Ordinal);
    private Dictionary<string, long> _transitions = new(StringComparer.Ordinal);

    public StageMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HubMetrics.MeterName && instrument.Name is "hub.stage.duration" or "hub.stage.transitions")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var key = Key(tags, withOutcome: false);
            lock (_lock)
            {
                var totals = _stages.GetValueOrDefault(key);
                _stages[key] = new StageTotals(totals.Count + 1, totals.SumMs + value);
            }
        });
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var key = Key(tags, withOutcome: true);
            lock (_lock)
            {
                _transitions[key] = _transitions.GetValueOrDefault(key) + value;
            }
        });
        _listener.Start();
    }

    /// <summary>Stage durations ("direction/stage" → count, total ms) and transitions ("direction/stage/outcome" → count) since the last call.</summary>
    public (Dictionary<string, StageTotals> Stages, Dictionary<string, long> Transitions) TakeAndReset()
    {
        lock (_lock)
        {
            var taken = (_stages, _transitions);
            _stages = new Dictionary<string, StageTotals>(StringComparer.Ordinal);
            _transitions = new Dictionary<string, long>(StringComparer.Ordinal);
            return taken;
        }
    }

    /// <summary>How many transitions of one kind happened since the last <see cref="TakeAndReset"/>.</summary>
    public long Transitions(string key)
    {
        lock (_lock)
        {
            return _transitions.GetValueOrDefault(key);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool withOutcome)
    {
        string? stage = null, direction = null, outcome = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "stage":
                    stage = tag.Value as string;
                    break;
                case "direction":
                    direction = tag.Value as string;
                    break;
                case "outcome":
                    outcome = tag.Value as string;
                    break;
            }
        }
        return withOutcome ? $"{direction}/{stage}/{outcome}" : $"{direction}/{stage}";
    }
}

/// <summary>How many times a stage ran and its total time.</summary>
internal readonly record struct StageTotals(long Count, double SumMs)
{
    public double MeanMs => Count == 0 ? 0 : SumMs / Count;
}
