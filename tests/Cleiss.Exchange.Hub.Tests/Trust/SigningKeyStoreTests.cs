using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Signing;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Trust;

public sealed class SigningKeyStoreTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private SigningKeyStore Store(params ConfiguredSigningKey[] configured) =>
        new(Builders.Hub(_data.Path), TimeProvider.System, NullLogger<SigningKeyStore>.Instance, Options.Create(new SigningOptions { Keys = [.. configured] }));

    [Fact]
    public void An_owner_signs_with_its_newest_key_and_a_rotation_keeps_at_most_two_active()
    {
        var store = Store();
        var first = store.Generate("FR:CLEISS0002");
        var (second, none) = store.Rotate("FR:CLEISS0002", "ecdsa");
        var (third, retired) = store.Rotate("FR:CLEISS0002");

        Assert.Empty(none);
        Assert.Equal([first.KeyId], retired);
        Assert.Equal(third.KeyId, store.ForOwner("FR:CLEISS0002")!.KeyId);
        var listed = store.List().Where(k => k.Owner == "FR:CLEISS0002").ToDictionary(k => k.KeyId, k => k.Status);
        Assert.Equal("signing", listed[third.KeyId]);
        Assert.Equal("active", listed[second.KeyId]);
        Assert.Equal("retired", listed[first.KeyId]);
        Assert.Null(store.ForOwner("FR:CNAV0001"));
        Assert.Throws<InvalidOperationException>(() => store.Generate("FR:CLEISS0002")); // a third active key only through rotate
    }

    [Fact]
    public void A_configured_PKCS12_key_is_read_with_the_password_from_the_environment()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=FR:CNAV0001", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var p12 = Path.Combine(_data.Path, "cnav.p12");
        var variable = "CLEISS_TEST_P12_" + Guid.NewGuid().ToString("N");
        File.WriteAllBytes(p12, certificate.Export(X509ContentType.Pkcs12, "s3cret"));
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            var store = Store(new ConfiguredSigningKey { Owner = "FR:CNAV0001", Certificate = p12, PasswordEnvironmentVariable = variable });
            var credentials = store.ForOwner("FR:CNAV0001")!;

            Assert.Equal(SigningKeyStore.KeyId(certificate), credentials.KeyId);
            Assert.Equal("ecdsa-p256-sha256", credentials.AlgorithmName);
            Assert.Contains(store.List(), k => k.KeyId == credentials.KeyId && k.Status == "signing" && k.Source.StartsWith("configured", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        var missing = Store(new ConfiguredSigningKey { Owner = "FR:CNAV0001", Certificate = p12, PasswordEnvironmentVariable = variable });
        Assert.Throws<InvalidOperationException>(() => missing.ForOwner("FR:CNAV0001"));
    }

    [Fact]
    public async Task The_sign_stage_uses_the_sending_institutions_key_when_it_has_one_else_the_access_points()
    {
        var store = Store();
        var institution = store.Generate("FR:CLEISS0002");

        async Task<IReadOnlyDictionary<string, string>> SignAsync(string sample)
        {
            var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, Builders.Sample(sample));
            await new IngestStage(Direction.Outbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);
            Assert.Equal(StageOutcomeKind.Continue, (await new SigningStage(store).ExecuteAsync(context, CancellationToken.None)).Kind);
            return context.Facts;
        }

        var own = await SignAsync("valid/A001-outbound-1.xml"); // sent by FR:CLEISS0002
        Assert.Equal(institution.KeyId, own["keyId"]);
        Assert.Equal("FR:CLEISS0002", own["keyOwner"]);
        store.Retire("FR:CLEISS0002", institution.KeyId);
        var fallback = await SignAsync("valid/A001-outbound-1.xml");
        Assert.Equal(store.Current.KeyId, fallback["keyId"]);
        Assert.Equal("FR:AP0001", fallback["keyOwner"]);
    }
}
