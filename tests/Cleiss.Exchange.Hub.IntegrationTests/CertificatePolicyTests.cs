namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>The certificate policy applies in the running hub: with pinning switched off, a self-signed partner is refused and audited.</summary>
public sealed class CertificatePolicyTests : IClassFixture<CertificatePolicyTests.ChainRequiredRig>
{
    private readonly ChainRequiredRig _rig;

    public CertificatePolicyTests(ChainRequiredRig rig) => _rig = rig;

    [Fact]
    public async Task A_document_signed_with_a_self_signed_partner_certificate_is_refused_when_a_chain_is_required()
    {
        var result = await _rig.Partner.SendAsync(HubRig.Fresh("valid/A001-inbound-1.xml"), CancellationToken.None);

        Assert.Equal(403, result.StatusCode);
        Assert.Equal("VERIFY.CERTIFICATE_UNTRUSTED", result.ProblemCode);
    }

    public sealed class ChainRequiredRig : HubRig
    {
        protected override IReadOnlyDictionary<string, string?> ExtraConfiguration => new Dictionary<string, string?>
        {
            ["Hub:Trust:AllowPinnedSelfSigned"] = "false",
        };
    }
}
