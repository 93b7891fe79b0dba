using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Adapters.As4.Tls;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4.Tls;

/// <summary>What the hub accepts as its own TLS certificate (checked at start), the options' checks, and how a request finds its P-Mode.</summary>
public sealed class As4TlsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static X509Certificate2 Certificate(string cn, X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, bool ca = false, params string[] enhancedUsages)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        if (enhancedUsages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in enhancedUsages)
            {
                oids.Add(new Oid(oid));
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        return request.CreateSelfSigned(Now.AddMinutes(-5), Now.AddDays(1));
    }

    [Fact]
    public void The_access_points_own_certificate_is_accepted_and_one_named_for_another_access_point_is_not()
    {
        using var own = Certificate("FR:AP0001");
        using var other = Certificate("DE:AP0001");

        Assert.Null(As4TlsIdentity.Problem(own, "FR:AP0001", Now));
        Assert.Contains("not the access point id", As4TlsIdentity.Problem(other, "FR:AP0001", Now), StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_a_certificate_without_digitalSignature_or_without_its_private_key_or_expired_is_refused()
    {
        using var ca = Certificate("FR:AP0001", ca: true);
        using var encipherOnly = Certificate("FR:AP0001", X509KeyUsageFlags.KeyEncipherment);
        using var withKey = Certificate("FR:AP0001");
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);

        Assert.Contains("CA", As4TlsIdentity.Problem(ca, "FR:AP0001", Now), StringComparison.Ordinal);
        Assert.Contains("digitalSignature", As4TlsIdentity.Problem(encipherOnly, "FR:AP0001", Now), StringComparison.Ordinal);
        Assert.Contains("private key", As4TlsIdentity.Problem(publicOnly, "FR:AP0001", Now), StringComparison.Ordinal);
        Assert.Contains("not valid now", As4TlsIdentity.Problem(withKey, "FR:AP0001", Now.AddDays(2)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_extended_key_usage_must_allow_both_server_and_client_authentication()
    {
        using var serverOnly = Certificate("FR:AP0001", enhancedUsages: "1.3.6.1.5.5.7.3.1");
        using var both = Certificate("FR:AP0001", enhancedUsages: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);

        Assert.Contains("serverAuth and clientAuth", As4TlsIdentity.Problem(serverOnly, "FR:AP0001", Now), StringComparison.Ordinal);
        Assert.Null(As4TlsIdentity.Problem(both, "FR:AP0001", Now));
    }

    [Theory]
    [InlineData("https://0.0.0.0:8443", true)]
    [InlineData("https://127.0.0.1:0", true)]
    [InlineData("https://[::1]:8443", true)]
    [InlineData("http://127.0.0.1:8443", false)]
    [InlineData("https://ap.example.fr:8443", false)]
    [InlineData("https://127.0.0.1:8443/as4", false)]
    public void The_listener_URL_is_https_on_an_IP_address_without_a_path(string url, bool valid)
    {
        var result = new As4TlsOptionsValidator().Validate(null, new As4TlsOptions { Enabled = true, Url = url });

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void A_PEM_certificate_needs_its_key_and_a_key_needs_a_certificate()
    {
        var validator = new As4TlsOptionsValidator();

        Assert.False(validator.Validate(null, new As4TlsOptions { Certificate = "ap.crt.pem" }).Succeeded);
        Assert.False(validator.Validate(null, new As4TlsOptions { PrivateKey = "ap.key.pem" }).Succeeded);
        Assert.True(validator.Validate(null, new As4TlsOptions { Certificate = "ap.p12" }).Succeeded);
        Assert.True(validator.Validate(null, new As4TlsOptions { Certificate = "ap.crt.pem", PrivateKey = "ap.key.pem" }).Succeeded);
    }

    [Fact]
    public void A_request_finds_the_P_Mode_whose_URL_it_is_even_when_two_access_points_share_a_host_and_port()
    {
        var options = new As4Options
        {
            PModes =
            [
                new As4PMode { Id = "be", AccessPointId = "BE:AP0001", Url = "https://gateway.example.eu:8443/be/as4" },
                new As4PMode { Id = "lu", AccessPointId = "LU:AP0001", Url = "https://gateway.example.eu:8443/lu/as4" },
            ],
        };

        Assert.Equal("LU:AP0001", As4PartnerTls.PModeFor(options, new Uri("https://GATEWAY.example.eu:8443/lu/as4"))?.AccessPointId);
        Assert.Equal("BE:AP0001", As4PartnerTls.PModeFor(options, new Uri("https://gateway.example.eu:8443/be/as4"))?.AccessPointId);
        Assert.Null(As4PartnerTls.PModeFor(options, new Uri("https://gateway.example.eu:8443/de/as4")));
    }
}
