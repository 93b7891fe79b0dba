using Avro;
using Avro.Generic;
using Avro.IO;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Kafka.Avro;

namespace Cleiss.Exchange.Hub.Kafka.Tests.Avro;

public sealed class AvroRecordCodecTests
{
    // Avro timestamp-millis keeps milliseconds: test times are whole milliseconds.
    private static readonly DateTimeOffset Accepted = new(2026, 11, 26, 9, 30, 15, 123, TimeSpan.Zero);
    private readonly AvroRecordCodec _codec = new();

    [Fact]
    public void A_stage_record_with_an_inline_payload_round_trips()
    {
        var record = SampleStage(payload: [0x3c, 0x53, 0x45, 0x44, 0x3e], payloadRef: null);

        var decoded = _codec.DecodeStage(_codec.Encode(record));

        Assert.Equal(record with { Payload = null }, decoded with { Payload = null });
        Assert.Equal(record.Payload, decoded.Payload);
    }

    [Fact]
    public void A_stage_record_with_a_payload_reference_round_trips()
    {
        var record = SampleStage(payload: null, payloadRef: "store:document/7d0f0a52") with { Direction = Direction.Inbound, Attempt = 3 };

        Assert.Equal(record, _codec.DecodeStage(_codec.Encode(record)));
    }

    [Fact]
    public void A_stage_record_needs_exactly_one_of_payload_and_reference()
    {
        Assert.Throws<ArgumentException>(() => _codec.Encode(SampleStage(payload: [1], payloadRef: "store:x")));
        Assert.Throws<ArgumentException>(() => _codec.Encode(SampleStage(payload: null, payloadRef: null)));
    }

    [Fact]
    public void Audit_events_round_trip_with_and_without_the_optional_fields()
    {
        var full = new AuditEventMessage(Guid.NewGuid(), Guid.NewGuid(), "FR-2026-000123", "routing", "failed", "ROUTE.UNKNOWN_RECIPIENT", "node-1", Accepted);
        var bare = new AuditEventMessage(Guid.NewGuid(), null, null, "ingest", "rejected", null, "node-2", Accepted.AddSeconds(1));

        Assert.Equal(full, _codec.DecodeAudit(_codec.Encode(full)));
        Assert.Equal(bare, _codec.DecodeAudit(_codec.Encode(bare)));
    }

    [Theory]
    [InlineData(ReceiptStatus.Accepted, null)]
    [InlineData(ReceiptStatus.Delivered, null)]
    [InlineData(ReceiptStatus.Rejected, "SIGN.BAD_SIGNATURE")]
    public void Receipts_round_trip(ReceiptStatus status, string? code)
    {
        var receipt = new ReceiptMessage(Guid.NewGuid(), "urn:uuid:4a2b", "FR-2026-000123", status, new string('a', 64), code, Accepted);

        Assert.Equal(receipt, _codec.DecodeReceipt(_codec.Encode(receipt)));
    }

    [Fact]
    public void Truncated_bytes_are_refused()
    {
        var bytes = _codec.Encode(SampleStage(payload: [1, 2, 3, 4], payloadRef: null));

        Assert.Throws<InvalidDataException>(() => _codec.DecodeStage(bytes.AsSpan(0, bytes.Length - 3)));
    }

    [Fact]
    public void The_codec_bytes_decode_with_the_avsc_file_alone()
    {
        var record = SampleStage(payload: [9, 8, 7], payloadRef: null);
        var bytes = _codec.Encode(record);

        // Only Apache.Avro and the schema file from the repository: no codec class involved.
        var schema = Schema.Parse(File.ReadAllText(Path.Combine(SourceSchemaDirectory(), "StageRecord.avsc")));
        var generic = new GenericDatumReader<GenericRecord>(schema, schema).Read(null!, new BinaryDecoder(new MemoryStream(bytes)));

        Assert.Equal("cleiss.exchange.hub.avro.StageRecord", generic.Schema.Fullname);
        Assert.Equal(record.DocumentId, generic["documentId"]);
        Assert.Equal("OUTBOUND", ((GenericEnum)generic["direction"]).Value);
        Assert.Equal(record.CaseId, generic["caseId"]);
        Assert.Equal(record.ContentSha256, generic["contentSha256"]);
        Assert.Equal(record.Payload, (byte[])generic["payload"]);
        Assert.Null(generic["payloadRef"]);
        Assert.Equal(record.AcceptedAt.UtcDateTime, (DateTime)generic["acceptedAt"]);
    }

    [Fact]
    public void Bytes_written_with_the_avsc_file_alone_decode_with_the_codec()
    {
        var schema = (RecordSchema)Schema.Parse(File.ReadAllText(Path.Combine(SourceSchemaDirectory(), "Receipt.avsc")));
        var generic = new GenericRecord(schema);
        var id = Guid.NewGuid();
        generic.Add("documentId", id);
        generic.Add("instanceIdentifier", "urn:uuid:77");
        generic.Add("caseId", "FR-2026-000999");
        generic.Add("status", new GenericEnum((EnumSchema)schema["status"].Schema, "DELIVERED"));
        generic.Add("contentSha256", new string('b', 64));
        generic.Add("code", null);
        generic.Add("issuedAt", Accepted.UtcDateTime);
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(schema).Write(generic, new BinaryEncoder(stream));

        var receipt = _codec.DecodeReceipt(stream.ToArray());

        Assert.Equal(new ReceiptMessage(id, "urn:uuid:77", "FR-2026-000999", ReceiptStatus.Delivered, new string('b', 64), null, Accepted), receipt);
    }

    [Fact]
    public void The_schemas_beside_the_binaries_are_the_repository_files()
    {
        foreach (var file in Directory.GetFiles(SourceSchemaDirectory(), "*.avsc"))
        {
            Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(AvroRecordCodec.DefaultSchemaDirectory, Path.GetFileName(file))));
        }
    }

    private static StageRecord SampleStage(byte[]? payload, string? payloadRef) => new(
        Guid.NewGuid(), Direction.Outbound, "FR-2026-000123", "hub.outbound.accepted", "urn:uuid:0f3c",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", payload, payloadRef, Accepted, Accepted.AddMilliseconds(42));

    /// <summary>schemas/avro in the repository (found by walking up from the test binaries).</summary>
    private static string SourceSchemaDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "schemas", "avro");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Cleiss.Exchange.sln")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("schemas/avro of the repository was not found above " + AppContext.BaseDirectory);
    }
}
