using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>
/// Certificate checks on every verification (HOSTILE-INPUTS S13–S16): validity at the document's time,
/// key usage, not a CA, chain to an anchor, revocation from CRL files and over HTTP, hard/soft-fail.
/// </summary>
public sealed class CertificateValidatorTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly X509Certificate2 _root = TestPki.Root();

    public void Dispose() => _data.Dispose();

    private string TrustFolder(string sub) => Path.Combine(TrustStore.Folder(_data.Path), sub);

    private CertificateValidator Validator(Action<TrustOptions>? change = null)
    {
        var options = new TrustOptions();
        change?.Invoke(options);
        return new CertificateValidator(Options.Create(new HubOptions { DataDirectory = _data.Path }), Options.Create(options), TimeProvider.System, NullLogger<CertificateValidator>.Instance);
    }

    private void Anchor() => TestPki.WritePem(TrustFolder("anchors"), "root.pem", _root);

    private void CrlFile(byte[] crl)
    {
        Directory.CreateDirectory(TrustFolder("crls"));
        File.WriteAllBytes(Path.Combine(TrustFolder("crls"), "root.crl"), crl);
    }

    private static async Task<CertificateCheck> CheckAsync(CertificateValidator validator, X509Certificate2 certificate, DateTimeOffset? at = null)
    {
        using (validator)
        {
            return await validator.CheckAsync(certificate, at ?? TestPki.Now, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_leaf_issued_by_an_anchor_with_a_current_CRL_that_does_not_list_it_is_accepted()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root);
        CrlFile(TestPki.Crl(_root, []));

        var check = await CheckAsync(Validator(), leaf);

        Assert.True(check.IsValid, check.Detail);
        Assert.Equal("good (CRL)", check.Revocation);
        Assert.Contains("Test Root CA", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S15_a_revoked_certificate_is_refused()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root);
        CrlFile(TestPki.Crl(_root, [TestPki.Leaf(_root, "BE:OTHER01"), leaf]));

        var check = await CheckAsync(Validator(), leaf);

        Assert.Equal(ExchangeErrors.VerifyCertificateRevoked, check.Code);
    }

    [Fact]
    public async Task S15_without_any_CRL_hard_fail_refuses_and_soft_fail_accepts_saying_so()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root);

        var hard = await CheckAsync(Validator(), leaf);
        var soft = await CheckAsync(Validator(o => o.RevocationFailure = RevocationFailureMode.SoftFail), leaf);

        Assert.Equal(ExchangeErrors.VerifyRevocationUnknown, hard.Code);
        Assert.True(soft.IsValid, soft.Detail);
        Assert.StartsWith("soft-fail: no CRL from the issuer was found", soft.Revocation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_signed_by_another_key_under_the_same_name_does_not_count()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root);
        var impostor = TestPki.Root(); // same subject name "Test Root CA", another key
        CrlFile(TestPki.Crl(impostor, []));

        var check = await CheckAsync(Validator(), leaf);

        Assert.Equal(ExchangeErrors.VerifyRevocationUnknown, check.Code);
        Assert.Contains("not signed by it", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_CRL_does_not_count()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root);
        CrlFile(TestPki.Crl(_root, [], nextUpdate: TestPki.Now.AddHours(-1), thisUpdate: TestPki.Now.AddDays(-8)));

        var check = await CheckAsync(Validator(), leaf);

        Assert.Equal(ExchangeErrors.VerifyRevocationUnknown, check.Code);
        Assert.Contains("expired", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CRL_named_by_the_certificate_is_fetched_over_HTTP_and_a_revocation_there_is_seen()
    {
        Anchor();
        using var server = new LoopbackCrlServer(TestPki.Crl(_root, []));
        var leaf = TestPki.Leaf(_root, crlUrl: server.Url);
        var good = await CheckAsync(Validator(), leaf);

        server.Crl = TestPki.Crl(_root, [leaf]);
        var revoked = await CheckAsync(Validator(), leaf);

        Assert.True(good.IsValid, good.Detail);
        Assert.Equal(ExchangeErrors.VerifyCertificateRevoked, revoked.Code);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task A_configured_CRL_URL_is_used_and_cached_until_its_next_update()
    {
        Anchor();
        using var server = new LoopbackCrlServer(TestPki.Crl(_root, []));
        var leaf = TestPki.Leaf(_root);
        using var validator = Validator(o => o.CrlUrls = [server.Url]);

        var first = await validator.CheckAsync(leaf, TestPki.Now, CancellationToken.None);
        var second = await validator.CheckAsync(leaf, TestPki.Now, CancellationToken.None);

        Assert.True(first.IsValid && second.IsValid, first.Detail);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task S15_an_unreachable_CRL_endpoint_follows_the_policy()
    {
        Anchor();
        var leaf = TestPki.Leaf(_root, crlUrl: $"http://127.0.0.1:{TestPki.ClosedPort()}/ca.crl");

        var hard = await CheckAsync(Validator(), leaf);
        var soft = await CheckAsync(Validator(o => o.RevocationFailure = RevocationFailureMode.SoftFail), leaf);

        Assert.Equal(ExchangeErrors.VerifyRevocationUnknown, hard.Code);
        Assert.Contains("download", hard.Detail, StringComparison.Ordinal);
        Assert.True(soft.IsValid);
        Assert.Contains("download", soft.Revocation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_http_distribution_point_is_never_opened()
    {
        Anchor();
        var secret = Path.Combine(_data.Path, "not-a-crl.der");
        var leaf = TestPki.Leaf(_root, crlUrl: new Uri(secret).AbsoluteUri); // file:// URL

        var check = await CheckAsync(Validator(), leaf);

        Assert.Equal(ExchangeErrors.VerifyRevocationUnknown, check.Code);
        Assert.Contains("not an http(s) URL", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-400, -10)] // expired before the document was created
    [InlineData(10, 400)] // not yet valid when the document arrives
    public async Task S14_a_certificate_outside_its_validity_at_the_documents_time_is_refused(int fromDays, int toDays)
    {
        Anchor();
        CrlFile(TestPki.Crl(_root, []));
        var leaf = TestPki.Leaf(_root, notBefore: TestPki.Now.AddDays(fromDays), notAfter: TestPki.Now.AddDays(toDays));

        var check = await CheckAsync(Validator(), leaf);

        Assert.Equal(ExchangeErrors.VerifyCertificateNotValid, check.Code);
    }

    [Fact]
    public async Task S14_a_certificate_that_expired_after_the_document_was_created_still_counts_for_it()
    {
        Anchor();
        CrlFile(TestPki.Crl(_root, []));
        var leaf = TestPki.Leaf(_root, notBefore: TestPki.Now.AddDays(-400), notAfter: TestPki.Now.AddDays(-10));

        var check = await CheckAsync(Validator(), leaf, TestPki.Now.AddDays(-20));

        Assert.True(check.IsValid, check.Detail);
    }

    [Fact]
    public async Task A_certificate_made_after_the_document_was_created_but_before_it_was_sent_counts()
    {
        Anchor();
        CrlFile(TestPki.Crl(_root, []));
        var leaf = TestPki.Leaf(_root, notBefore: TestPki.Now.AddDays(-1));

        var check = await CheckAsync(Validator(), leaf, TestPki.Now.AddDays(-20));

        Assert.True(check.IsValid, check.Detail);
    }

    [Fact]
    public async Task S16_a_certificate_without_digitalSignature_is_refused()
    {
        Anchor();
        CrlFile(TestPki.Crl(_root, []));

        var keyEncipherment = await CheckAsync(Validator(), TestPki.Leaf(_root, usage: X509KeyUsageFlags.KeyEncipherment));
        var noUsage = await CheckAsync(Validator(), TestPki.Leaf(_root, usage: X509KeyUsageFlags.None));

        Assert.Equal(ExchangeErrors.VerifyCertificateUsage, keyEncipherment.Code);
        Assert.Equal(ExchangeErrors.VerifyCertificateUsage, noUsage.Code);
    }

    [Fact]
    public async Task S16_a_CA_certificate_cannot_sign_documents()
    {
        Anchor();
        CrlFile(TestPki.Crl(_root, []));

        var check = await CheckAsync(Validator(), TestPki.Leaf(_root, certificateAuthority: true));

        Assert.Equal(ExchangeErrors.VerifyCertificateUsage, check.Code);
    }

    [Fact]
    public async Task A_certificate_from_an_unknown_CA_is_refused_and_so_is_any_CA_issued_one_without_anchors()
    {
        var stranger = TestPki.Leaf(TestPki.Root("Stranger CA"));
        var noAnchors = await CheckAsync(Validator(), stranger);
        Anchor();
        var otherAnchor = await CheckAsync(Validator(), stranger);

        Assert.Equal(ExchangeErrors.VerifyCertificateUntrusted, noAnchors.Code);
        Assert.Equal(ExchangeErrors.VerifyCertificateUntrusted, otherAnchor.Code);
    }

    [Fact]
    public async Task A_pinned_self_signed_certificate_is_accepted_only_when_allowed_and_has_no_revocation()
    {
        var pinned = TestPki.SelfSigned();

        var allowed = await CheckAsync(Validator(), pinned);
        var refused = await CheckAsync(Validator(o => o.AllowPinnedSelfSigned = false), pinned);

        Assert.True(allowed.IsValid);
        Assert.StartsWith("not applicable", allowed.Revocation, StringComparison.Ordinal);
        Assert.Equal(ExchangeErrors.VerifyCertificateUntrusted, refused.Code);
    }

    [Fact]
    public async Task A_certificate_named_as_its_own_issuer_but_signed_by_another_key_is_never_taken_for_a_pinned_one_even_when_checked_again()
    {
        // The self-signature verdict is kept per certificate (issue 5): a kept verdict must not turn a refusal into an acceptance.
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        var request = new CertificateRequest("CN=BE:AP0001", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var forged = request.Create(new X500DistinguishedName("CN=BE:AP0001"), X509SignatureGenerator.CreateForRSA(other, RSASignaturePadding.Pkcs1),
            TestPki.Now.AddDays(-1), TestPki.Now.AddYears(1), [0x01, 0x02, 0x03, 0x04]);
        var genuine = TestPki.SelfSigned();
        using var validator = Validator();

        var forgedFirst = await validator.CheckAsync(forged, TestPki.Now, CancellationToken.None);
        var genuineFirst = await validator.CheckAsync(genuine, TestPki.Now, CancellationToken.None);
        var forgedAgain = await validator.CheckAsync(forged, TestPki.Now, CancellationToken.None);
        var genuineAgain = await validator.CheckAsync(genuine, TestPki.Now, CancellationToken.None);

        Assert.Equal(ExchangeErrors.VerifyCertificateUntrusted, forgedFirst.Code);
        Assert.Equal(ExchangeErrors.VerifyCertificateUntrusted, forgedAgain.Code);
        Assert.True(genuineFirst.IsValid, genuineFirst.Detail);
        Assert.True(genuineAgain.IsValid, genuineAgain.Detail);
    }
}
