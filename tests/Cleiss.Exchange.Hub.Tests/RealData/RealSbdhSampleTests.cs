using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>The SBDH document shipped with AS4.NET's EESSI sample (thomsonreuters/eessi-as4.net, EUPL-1.1).</summary>
public sealed class RealSbdhSampleTests
{
    private const string DefaultSed = "as4-samples/eessi-as4.net/output/messages/attachments/defaultSED.xml";

    [CorpusFact]
    public async Task The_real_EESSI_header_is_read_by_the_hardened_ingest()
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, await File.ReadAllBytesAsync(Corpus.File(DefaultSed)));
        var outcome = await new IngestStage(Direction.Outbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(StageOutcomeKind.Continue, outcome.Kind);
        Assert.Equal("P4000", context.Header!.SedType);
        Assert.Equal("UK:UK001", context.Header.Sender.InstitutionId);
        Assert.Equal("CaseOwner", context.Header.Sender.Role);
        Assert.Equal("UK:UK010", Assert.Single(context.Header.Receivers).InstitutionId);
        Assert.Equal("P_BUC_05", context.Header.BucType);
        Assert.Equal("75b21c33-22b3-4554-9707-5fa829ee8ab1", context.Header.InstanceIdentifier);
    }

    [CorpusFact]
    public async Task Its_unversioned_SED_namespace_has_no_pack_so_the_hub_fails_closed()
    {
        // The sample's SED is in http://ec.europa.eu/eessi/ns (no <G>_<V> part), sedGVer 1, sedVer 1.
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Outbound, await File.ReadAllBytesAsync(Corpus.File(DefaultSed)));
        await new IngestStage(Direction.Outbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);

        var outcome = await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.Equal(ExchangeErrors.ValidateNoPack, outcome.Error!.Code);
    }
}
