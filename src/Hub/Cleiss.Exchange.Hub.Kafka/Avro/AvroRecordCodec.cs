using Avro;
using Avro.Generic;
using Avro.IO;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub.Kafka.Avro;

/// <summary>
/// Encodes and decodes the hub's log records as plain Avro binary (no framing, no registry id) with
/// Apache.Avro generic records, against the <c>.avsc</c> files in <c>schemas/avro</c>; one record type
/// per topic, so the topic says which schema to read with. Runs once per message.
/// </summary>
public sealed class AvroRecordCodec
{
    private readonly RecordSchema _stage;
    private readonly RecordSchema _audit;
    private readonly RecordSchema _receipt;
    private readonly EnumSchema _direction;
    private readonly EnumSchema _receiptStatus;

    /// <param name="schemaDirectory">The folder holding the .avsc files; default <c>&lt;bin&gt;/schemas/avro</c>.</param>
    public AvroRecordCodec(string? schemaDirectory = null)
    {
        var directory = schemaDirectory ?? DefaultSchemaDirectory;
        _stage = Load(directory, "StageRecord.avsc");
        _audit = Load(directory, "AuditEvent.avsc");
        _receipt = Load(directory, "Receipt.avsc");
        _direction = (EnumSchema)_stage["direction"].Schema;
        _receiptStatus = (EnumSchema)_receipt["status"].Schema;
    }

    /// <summary>Where the build copies the .avsc files.</summary>
    public static string DefaultSchemaDirectory => Path.Combine(AppContext.BaseDirectory, "schemas", "avro");

    /// <summary>The schema of stage-log records.</summary>
    public RecordSchema StageSchema => _stage;

    /// <summary>The schema of audit events.</summary>
    public RecordSchema AuditSchema => _audit;

    /// <summary>The schema of receipts.</summary>
    public RecordSchema ReceiptSchema => _receipt;

    public byte[] Encode(StageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if ((record.Payload is null) == (record.PayloadRef is null))
        {
            throw new ArgumentException("A stage record carries either the payload or a reference to it, not both and not neither.", nameof(record));
        }
        var generic = new GenericRecord(_stage);
        generic.Add("documentId", record.DocumentId);
        generic.Add("direction", new GenericEnum(_direction, record.Direction == Direction.Outbound ? "OUTBOUND" : "INBOUND"));
        generic.Add("caseId", record.CaseId);
        generic.Add("stage", record.Stage);
        generic.Add("instanceIdentifier", record.InstanceIdentifier);
        generic.Add("contentSha256", record.ContentSha256);
        generic.Add("payload", record.Payload);
        generic.Add("payloadRef", record.PayloadRef);
        generic.Add("acceptedAt", record.AcceptedAt.UtcDateTime);
        generic.Add("producedAt", record.ProducedAt.UtcDateTime);
        generic.Add("attempt", record.Attempt);
        return Write(_stage, generic);
    }

    public StageRecord DecodeStage(ReadOnlySpan<byte> bytes)
    {
        var r = Read(_stage, bytes);
        var direction = Symbol(r, "direction") switch
        {
            "OUTBOUND" => Direction.Outbound,
            "INBOUND" => Direction.Inbound,
            var other => throw new InvalidDataException($"Unknown direction symbol {other}."),
        };
        return new StageRecord(
            Get<Guid>(r, "documentId"), direction, Get<string>(r, "caseId"), Get<string>(r, "stage"),
            Get<string>(r, "instanceIdentifier"), Get<string>(r, "contentSha256"),
            r["payload"] as byte[], r["payloadRef"] as string,
            Time(r, "acceptedAt"), Time(r, "producedAt"), Get<int>(r, "attempt"));
    }

    public byte[] Encode(AuditEventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var generic = new GenericRecord(_audit);
        generic.Add("eventId", message.EventId);
        generic.Add("documentId", message.DocumentId);
        generic.Add("caseId", message.CaseId);
        generic.Add("stage", message.Stage);
        generic.Add("kind", message.Kind);
        generic.Add("code", message.Code);
        generic.Add("nodeId", message.NodeId);
        generic.Add("occurredAt", message.OccurredAt.UtcDateTime);
        return Write(_audit, generic);
    }

    public AuditEventMessage DecodeAudit(ReadOnlySpan<byte> bytes)
    {
        var r = Read(_audit, bytes);
        return new AuditEventMessage(
            Get<Guid>(r, "eventId"), r["documentId"] as Guid?, r["caseId"] as string, Get<string>(r, "stage"),
            Get<string>(r, "kind"), r["code"] as string, Get<string>(r, "nodeId"), Time(r, "occurredAt"));
    }

    public byte[] Encode(ReceiptMessage receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var generic = new GenericRecord(_receipt);
        generic.Add("documentId", receipt.DocumentId);
        generic.Add("instanceIdentifier", receipt.InstanceIdentifier);
        generic.Add("caseId", receipt.CaseId);
        generic.Add("status", new GenericEnum(_receiptStatus, receipt.Status switch
        {
            ReceiptStatus.Accepted => "ACCEPTED",
            ReceiptStatus.Delivered => "DELIVERED",
            ReceiptStatus.Rejected => "REJECTED",
            _ => throw new ArgumentOutOfRangeException(nameof(receipt), receipt.Status, "Unknown receipt status."),
        }));
        generic.Add("contentSha256", receipt.ContentSha256);
        generic.Add("code", receipt.Code);
        generic.Add("issuedAt", receipt.IssuedAt.UtcDateTime);
        return Write(_receipt, generic);
    }

    public ReceiptMessage DecodeReceipt(ReadOnlySpan<byte> bytes)
    {
        var r = Read(_receipt, bytes);
        var status = Symbol(r, "status") switch
        {
            "ACCEPTED" => ReceiptStatus.Accepted,
            "DELIVERED" => ReceiptStatus.Delivered,
            "REJECTED" => ReceiptStatus.Rejected,
            var other => throw new InvalidDataException($"Unknown receipt status symbol {other}."),
        };
        return new ReceiptMessage(
            Get<Guid>(r, "documentId"), Get<string>(r, "instanceIdentifier"), Get<string>(r, "caseId"), status,
            Get<string>(r, "contentSha256"), r["code"] as string, Time(r, "issuedAt"));
    }

    private static RecordSchema Load(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return Schema.Parse(File.ReadAllText(path)) as RecordSchema
            ?? throw new InvalidDataException($"{path} is not an Avro record schema.");
    }

    private static byte[] Write(RecordSchema schema, GenericRecord record)
    {
        using var stream = new MemoryStream(256);
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static GenericRecord Read(RecordSchema schema, ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            var record = new GenericDatumReader<GenericRecord>(schema, schema).Read(null!, new BinaryDecoder(stream));
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"Trailing bytes after a {schema.Name} record.");
            }
            return record;
        }
        catch (AvroException e)
        {
            throw new InvalidDataException($"Not a valid {schema.Name} record.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Truncated {schema.Name} record.", e);
        }
    }

    private static T Get<T>(GenericRecord record, string field) =>
        record[field] is T value ? value : throw new InvalidDataException($"Field {field} is missing or has the wrong type.");

    private static string Symbol(GenericRecord record, string field) => Get<GenericEnum>(record, field).Value;

    private static DateTimeOffset Time(GenericRecord record, string field) =>
        new(DateTime.SpecifyKind(Get<DateTime>(record, field), DateTimeKind.Utc));
}
