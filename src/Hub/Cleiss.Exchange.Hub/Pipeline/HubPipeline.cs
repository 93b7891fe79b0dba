using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Delivery;
using Cleiss.Exchange.Hub.Stages.Dispatch;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Signing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Stages.Verification;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>
/// The order of the stages, in one place. Each direction has two segments: the intake segment runs
/// while the sender waits and ends with the durable commit (the moment of acceptance); the delivery
/// segment runs from the stage log afterwards.
/// <code>
/// outbound: accept → (dedup) → validate → route ║ sign → dispatch
/// inbound:  receive → verify → (dedup) → validate → route ║ deliver
/// </code>
/// </summary>
public sealed class HubPipeline
{
    /// <summary>Stage-log topic carrying accepted outbound documents to the delivery segment.</summary>
    public const string OutboundTopic = "hub.outbound.accepted";

    /// <summary>Stage-log topic carrying accepted inbound documents to the delivery segment.</summary>
    public const string InboundTopic = "hub.inbound.accepted";

    public HubPipeline(
        IOptions<IntakeOptions> limits,
        IOptions<HubOptions> hub,
        IOptions<RoutingOptions> routing,
        PackRegistry packs,
        BusinessRules rules,
        CaseRules cases,
        InstitutionDirectory directory,
        SigningStage sign,
        DispatchStage dispatch,
        VerificationStage verify,
        InboxDeliveryStage deliver)
    {
        var validate = new ValidationStage(packs, rules, cases);
        OutboundIntake = [new IngestStage(Direction.Outbound, limits, packs), validate, new RoutingStage(Direction.Outbound, directory, hub, routing)];
        OutboundDelivery = [sign, dispatch];
        InboundIntake = [new IngestStage(Direction.Inbound, limits), verify, validate, new RoutingStage(Direction.Inbound, directory, hub, routing)];
        InboundDelivery = [deliver];
    }

    /// <summary>accept → validate → route, then commit.</summary>
    public IReadOnlyList<IStage> OutboundIntake { get; }

    /// <summary>sign → dispatch.</summary>
    public IReadOnlyList<IStage> OutboundDelivery { get; }

    /// <summary>receive → verify → validate → route, then commit.</summary>
    public IReadOnlyList<IStage> InboundIntake { get; }

    /// <summary>deliver.</summary>
    public IReadOnlyList<IStage> InboundDelivery { get; }

    /// <summary>
    /// How many intake stages run before the dedup lookup: outbound after accept (the header is
    /// known), inbound after verify too, so an unauthenticated message learns nothing about what
    /// the hub holds.
    /// </summary>
    public static int StagesBeforeDedup(Direction direction) => direction == Direction.Outbound ? 1 : 2;

    /// <summary>The intake segment of a direction.</summary>
    public IReadOnlyList<IStage> Intake(Direction direction) => direction == Direction.Outbound ? OutboundIntake : InboundIntake;

    /// <summary>The delivery segment of a direction.</summary>
    public IReadOnlyList<IStage> Delivery(Direction direction) => direction == Direction.Outbound ? OutboundDelivery : InboundDelivery;

    /// <summary>The stage-log topic of a direction.</summary>
    public static string Topic(Direction direction) => direction == Direction.Outbound ? OutboundTopic : InboundTopic;
}
