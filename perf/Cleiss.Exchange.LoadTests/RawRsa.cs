using System.Diagnostics;
using System.Security.Cryptography;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// The raw RSA rates that bound the AS4 exchange: RSA.SignData / VerifyData (SHA-256, PKCS#1 v1.5) over a
/// 1.2 KB buffer (the size of a canonical SignedInfo with four references), with the hub's own key, one
/// loop per core (dedicated threads), for a fixed time.
/// </summary>
internal static class RawRsa
{
    public sealed record Rates(int Threads, double SignPerSecond, double VerifyPerSecond, double SignPerSecondOneThread, double VerifyPerSecondOneThread);

    public static Rates Measure(RSA privateKey, RSA publicKey, TimeSpan each)
    {
        var data = new byte[1200];
        RandomNumberGenerator.Fill(data);
        var signature = privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        void Sign() => privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        void Verify()
        {
            if (!publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                throw new InvalidOperationException("The raw signature does not verify.");
            }
        }
        Loop(1, TimeSpan.FromMilliseconds(300), Sign); // warm-up
        Loop(1, TimeSpan.FromMilliseconds(300), Verify);
        var threads = Environment.ProcessorCount;
        return new Rates(threads, Loop(threads, each, Sign), Loop(threads, each, Verify), Loop(1, each / 2, Sign), Loop(1, each / 2, Verify));
    }

    /// <summary>Operations per second of <paramref name="operation"/> run by <paramref name="threads"/> threads for <paramref name="duration"/>.</summary>
    private static double Loop(int threads, TimeSpan duration, Action operation)
    {
        long total = 0;
        var started = Stopwatch.GetTimestamp();
        var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() =>
            {
                long count = 0;
                while (Stopwatch.GetTimestamp() < stopAt)
                {
                    operation();
                    count++;
                }
                Interlocked.Add(ref total, count);
            });
            workers[i].Start();
        }
        foreach (var worker in workers)
        {
            worker.Join();
        }
        return total / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
