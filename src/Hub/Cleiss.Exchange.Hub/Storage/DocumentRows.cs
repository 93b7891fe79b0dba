using System.Data.Common;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>The <c>documents</c> columns as every store selects them, and the record read back from a row.</summary>
internal static class DocumentRows
{
    public const string Columns = """
        id, instance_id, direction, sed_type, case_id, business_service, sender_id, receiver_id, access_point_id,
        endpoint, pack_id, content_sha256, payload, signed_payload, receipt_id, status, last_stage, partition, created_at, updated_at
        """;

    /// <summary>Reads a row selected with <see cref="Columns"/> (ids and times through the provider's own conversions).</summary>
    public static DocumentRecord Read(DbDataReader r) => new()
    {
        Id = r.GetGuid(0),
        InstanceIdentifier = r.GetString(1),
        Direction = r.GetString(2) == "outbound" ? Direction.Outbound : Direction.Inbound,
        SedType = r.GetString(3),
        CaseId = r.GetString(4),
        BusinessService = r.GetString(5),
        SenderId = r.GetString(6),
        ReceiverId = r.GetString(7),
        AccessPointId = r.GetString(8),
        Endpoint = r.IsDBNull(9) ? null : r.GetString(9),
        PackId = r.GetString(10),
        ContentSha256 = r.GetString(11),
        Payload = r.GetFieldValue<byte[]>(12),
        SignedPayload = r.IsDBNull(13) ? null : r.GetFieldValue<byte[]>(13),
        ReceiptId = r.IsDBNull(14) ? null : r.GetString(14),
        Status = r.GetString(15),
        LastStage = r.IsDBNull(16) ? null : r.GetString(16),
        Partition = r.GetInt32(17),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(18).ToUniversalTime(),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(19).ToUniversalTime(),
    };
}
