using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Tests.Storage.Compliance;

/// <summary>Documents and audit events as the store tests write them.</summary>
internal static class StoredDocuments
{
    public static DocumentRecord Document(string instance = "i-1", string sha = "aa", Direction direction = Direction.Outbound, string receiver = "BE:ONSS00001", int partition = 0) => new()
    {
        Id = Guid.CreateVersion7(),
        InstanceIdentifier = instance,
        Direction = direction,
        SedType = "A001",
        CaseId = "case-1",
        BusinessService = "LA_BUC_01:4.4",
        SenderId = "FR:CLEISS0002",
        ReceiverId = receiver,
        AccessPointId = "BE:AP0001",
        Endpoint = "http://127.0.0.1:1/",
        PackId = "p@1",
        ContentSha256 = sha,
        Payload = [1, 2, 3],
        Status = DocumentStatus.Accepted,
        LastStage = "route",
        Partition = partition,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    public static NewAuditEvent Event(Guid id, string name) => new(id, DateTimeOffset.UnixEpoch, "stage", name, null, new Dictionary<string, string> { ["k"] = "v" });
}
