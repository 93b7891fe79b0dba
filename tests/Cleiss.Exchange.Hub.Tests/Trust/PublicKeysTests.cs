using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>A certificate's public key is decoded once and shared by every copy of the certificate.</summary>
public sealed class PublicKeysTests
{
    [Fact]
    public void Copies_of_one_certificate_share_one_key_that_verifies_its_signatures()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=partner", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var copy = X509CertificateLoader.LoadCertificate(certificate.RawData);
        var signature = rsa.SignData("receipt"u8, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var key = PublicKeys.Rsa(certificate);

        Assert.NotNull(key);
        Assert.Same(key, PublicKeys.Rsa(copy));
        Assert.Null(PublicKeys.Ecdsa(copy));
        Assert.True(key.VerifyData("receipt"u8, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(key.VerifyData("altered"u8, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Different_certificates_get_their_own_keys()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ecCertificate = new CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var rsa = RSA.Create(2048);
        using var rsaCertificate = new CertificateRequest("CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.Null(PublicKeys.Rsa(ecCertificate));
        Assert.NotNull(PublicKeys.Ecdsa(ecCertificate));
        Assert.Equal(rsa.ExportParameters(false).Modulus, PublicKeys.Rsa(rsaCertificate)!.ExportParameters(false).Modulus);
    }
}
