using BenchmarkDotNet.Attributes;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// Business signatures per document, as the hub's sign and verify stages run them, next to the raw key
/// operation of the same key on the same document (the physical bound): <see cref="Sign"/> = parse the
/// stored bytes (hardened, whitespace preserved) + SED lookup + enveloped XML-DSig (exc-C14N, SHA-256
/// digest, one key operation) + serialise; <see cref="Verify"/> = parse the signed bytes + SED lookup +
/// profile checks + digest + key check; <see cref="RawSign"/>/<see cref="RawVerify"/> = SHA-256 of the
/// document bytes + one SignHash/VerifyHash. Ratios are to <see cref="Sign"/> of the same parameters.
/// The job is Program's (one launch, 15 warm-ups, 10 measured iterations) with iterations of 250 ms instead
/// of BenchmarkDotNet's 500 ms, so that the 16 cases take about 4.5 minutes; one operation costs 25 µs to
/// 10 ms here, so an iteration still holds tens to thousands of operations.
/// </summary>
[MemoryDiagnoser]
[IterationTime(250)]
public class SignatureBenchmarks
{
    private SignatureWorkload _keys = null!;
    private byte[] _stored = [];
    private byte[] _signed = [];
    private byte[] _rawSignature = [];

    [Params("5KB", "50KB")]
    public string Size { get; set; } = "5KB";

    [Params("RSA", "P256")]
    public string Algorithm { get; set; } = "RSA";

    [GlobalSetup]
    public void Setup()
    {
        _keys = new SignatureWorkload(Algorithm);
        _stored = Size == "5KB" ? HubWorkload.SmallDocument() : HubWorkload.LargeDocument();
        // A document signed by the measured path must verify with the trusted (public) certificate, and a
        // modified one must not; else the benchmarks measure a failure path.
        _keys.CheckRoundTrip(_stored);
        _signed = _keys.Sign(_stored);
        _rawSignature = _keys.RawSign(_stored);
        if (!_keys.Verify(_signed) || !_keys.RawVerify(_stored, _rawSignature))
        {
            throw new InvalidOperationException("The benchmark signatures do not verify.");
        }
        Console.WriteLine($"// document: {Size} = {_stored.Length} bytes, signed {_signed.Length} bytes, {Algorithm} ({_keys.SignatureMethod})");
    }

    /// <summary>The sign stage: parse the stored bytes, sign the SED, serialise.</summary>
    [Benchmark(Baseline = true)]
    public byte[] Sign() => _keys.Sign(_stored);

    /// <summary>The verify stage: parse the signed bytes, check the signature with the trusted certificate.</summary>
    [Benchmark]
    public bool Verify() => _keys.Verify(_signed);

    /// <summary>SHA-256 of the document + one private-key signature (the same key).</summary>
    [Benchmark]
    public byte[] RawSign() => _keys.RawSign(_stored);

    /// <summary>SHA-256 of the document + one public-key verification (the same key).</summary>
    [Benchmark]
    public bool RawVerify() => _keys.RawVerify(_stored, _rawSignature);
}
