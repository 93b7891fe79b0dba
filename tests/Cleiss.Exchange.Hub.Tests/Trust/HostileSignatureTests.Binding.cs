using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>HostileSignatureTests, S13 and rotation: which registered certificates a sender is bound to.</summary>
public sealed partial class HostileSignatureTests
{
    [Fact]
    public async Task S13_a_document_signed_by_another_trusted_access_point_is_refused_as_impersonation()
    {
        // XX:EVIL0001 is a registered (trusted) partner too, but it does not serve the claimed sender BE:ONSS00001.
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "XX_EVIL0001")), Path.Combine(TrustStore.Folder(_hubData.Path), "evil.pem"));
        var document = Unsigned();
        BusinessSignature.Sign(document, Sed(document), _attacker);

        var received = await ReceiveAsync(Bytes(document));

        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, received.Code);
    }

    [Fact]
    public async Task S13_an_institution_with_its_own_registered_certificate_is_bound_to_it_not_to_its_access_point()
    {
        var institution = Builders.Key(_keys, "BE:ONSS00001");
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "BE_ONSS00001")), Path.Combine(TrustStore.Folder(_hubData.Path), "onss.pem"));
        var byInstitution = Unsigned();
        BusinessSignature.Sign(byInstitution, Sed(byInstitution), institution);

        var own = await ReceiveAsync(Bytes(byInstitution));
        var viaAccessPoint = await ReceiveAsync(Bytes(Signed()));

        Assert.Null(own.Code);
        Assert.Equal(institution.KeyId, own.Context.Facts["keyId"]);
        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, viaAccessPoint.Code);
    }

    [Fact]
    public async Task During_a_rotation_both_registered_certificates_verify_and_the_audit_names_the_one_used()
    {
        var rotated = new SigningKeyStore(Builders.Hub(Path.Combine(_keys.Path, "rotation"), "BE:AP0001"), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Generate("BE:AP0001");
        File.WriteAllText(Path.Combine(TrustStore.Folder(_hubData.Path), "be-next.pem"), rotated.Certificate.ExportCertificatePem());
        var withNew = Unsigned();
        BusinessSignature.Sign(withNew, Sed(withNew), rotated);

        var old = await ReceiveAsync(Bytes(Signed()));
        var current = await ReceiveAsync(Bytes(withNew));

        Assert.NotEqual(rotated.KeyId, _sender.KeyId);
        Assert.Null(old.Code);
        Assert.Equal(_sender.KeyId, old.Context.Facts["keyId"]);
        Assert.Null(current.Code);
        Assert.Equal(rotated.KeyId, current.Context.Facts["keyId"]);
    }
}
