using HdrHistogram;

namespace Cleiss.Exchange.LoadTests;

/// <summary>Percentiles of one latency distribution, in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50, double P95, double P99, double P999, double Max)
{
    public static LatencySummary Of(LongHistogram microseconds) => microseconds.TotalCount == 0
        ? new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)
        : new LatencySummary(microseconds.TotalCount, Ms(microseconds, 50), Ms(microseconds, 95), Ms(microseconds, 99), Ms(microseconds, 99.9),
            microseconds.GetMaxValue() / 1000.0);

    private static double Ms(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) / 1000.0;
}

/// <summary>
/// What one load level measured. <c>Offered</c> is the open loop's fixed rate (documents/s), 0 for the closed loop
/// (<c>Concurrency</c> documents in flight end to end). CPU in cores over the window; RSS peak of the hub in MB. The two
/// parts of accept → verified receipt come from the audit trail: the sign stage's "signed" event (log wait + read + sign)
/// and from there to "delivered" (the sign commit, the HTTP exchange, the partner's verify and receipt, the hub's check).
/// </summary>
internal sealed record LevelResult(
    string Name, double Offered, int Concurrency, double Seconds, long Sent, long Accepted, long Refused, long DeliveredInWindow,
    long MeasuredDocuments, long Undelivered, long ReceiptBeforeAnswer, LatencySummary AcceptToReceipt, LatencySummary SendToReceipt, LatencySummary AcceptCall, LatencySummary AcceptToSigned, LatencySummary SignedToReceipt,
    double HubCores, double DriverCores, double MachineCores, double HubRssPeakMb, IReadOnlyList<string> Problems)
{
    public double AcceptedPerSecond => Accepted / Seconds;

    public double DeliveredPerSecond => DeliveredInWindow / Seconds;

    /// <summary>Machine busy time not used by the hub or the driver (other work on the machine, the kernel's own).</summary>
    public double OtherCores => MachineCores - HubCores - DriverCores;

    public bool IsClosedLoop => Offered <= 0;
}
