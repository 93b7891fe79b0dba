namespace Cleiss.Exchange.Hub.Storage;

public sealed partial class SqliteHubStore
{
    // Durability: WAL with synchronous=FULL fsyncs the WAL on every commit, so an acknowledged
    // document survives a crash or power loss (docs/adr/0002-embedded-store-and-stage-log.md).
    private const string SchemaSql = $"""
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA foreign_keys = ON;
        PRAGMA busy_timeout = 30000;

        CREATE TABLE IF NOT EXISTS documents (
            id               TEXT PRIMARY KEY,
            instance_id      TEXT NOT NULL,
            direction        TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
            sed_type         TEXT NOT NULL,
            case_id          TEXT NOT NULL,
            business_service TEXT NOT NULL,
            sender_id        TEXT NOT NULL,
            receiver_id      TEXT NOT NULL,
            access_point_id  TEXT NOT NULL,
            endpoint         TEXT,
            pack_id          TEXT NOT NULL,
            content_sha256   TEXT NOT NULL,
            payload          BLOB NOT NULL,
            signed_payload   BLOB,
            receipt_id       TEXT,
            status           TEXT NOT NULL,
            last_stage       TEXT,
            partition        INTEGER NOT NULL,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            UNIQUE (direction, instance_id)
        );
        CREATE INDEX IF NOT EXISTS ix_documents_inbox ON documents (receiver_id, status, updated_at) WHERE direction = 'inbound';

        CREATE TABLE IF NOT EXISTS audit (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id TEXT NOT NULL,
            at          TEXT NOT NULL,
            stage       TEXT NOT NULL,
            event       TEXT NOT NULL,
            code        TEXT,
            facts       TEXT NOT NULL,
            prev_hash   TEXT NOT NULL,
            hash        TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_audit_document ON audit (document_id, seq);
        CREATE TRIGGER IF NOT EXISTS audit_is_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_is_append_only_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

        -- The durable outbox: documents waiting for their next delivery attempt (retry) or behind one of their case.
        CREATE TABLE IF NOT EXISTS outbox (
            document_id     TEXT PRIMARY KEY,
            case_id         TEXT NOT NULL,
            access_point_id TEXT NOT NULL,
            due_at          TEXT NOT NULL,
            attempt         INTEGER NOT NULL,
            parked          INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_outbox_case ON outbox (case_id, parked);
        CREATE INDEX IF NOT EXISTS ix_outbox_due ON outbox (due_at);
        -- MAX(parked) on every park: without it SQLite reads the whole outbox (6 ms at 63,000 parked, under the write lock).
        CREATE INDEX IF NOT EXISTS ix_outbox_parked ON outbox (parked);

        -- Exchange evidence: what went over the wire for a document and what came back (one row per kind).
        CREATE TABLE IF NOT EXISTS evidence (
            document_id TEXT NOT NULL,
            kind        TEXT NOT NULL,
            media_type  TEXT NOT NULL,
            content     BLOB NOT NULL,
            at          TEXT NOT NULL,
            PRIMARY KEY (document_id, kind)
        );

        -- Signed checkpoints of the audit Merkle tree (RFC 6962 hashing): append-only too.
        CREATE TABLE IF NOT EXISTS audit_checkpoints (
            tree_size   INTEGER PRIMARY KEY,
            root        TEXT NOT NULL,
            at          TEXT NOT NULL,
            key_id      TEXT NOT NULL,
            algorithm   TEXT NOT NULL,
            signature   TEXT NOT NULL,
            certificate TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

        -- The stage log. A record the intake (or a requeue) wrote names its document; one published through
        -- EmbeddedStageTransport carries its own bytes instead. key is the case id; at is Unix milliseconds.
        CREATE TABLE IF NOT EXISTS log {LogColumns}

        CREATE TABLE IF NOT EXISTS cases (
            case_id    TEXT PRIMARY KEY,
            buc        TEXT NOT NULL,
            version    TEXT NOT NULL,
            status     TEXT NOT NULL,
            revision   INTEGER NOT NULL,
            state      TEXT NOT NULL,
            close_at   TEXT,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_cases_close_at ON cases (close_at) WHERE close_at IS NOT NULL;

        CREATE TABLE IF NOT EXISTS meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS as4_message_ids (
            message_id  TEXT PRIMARY KEY,
            sha256      TEXT NOT NULL,
            document_id TEXT NOT NULL,
            received_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_as4_message_ids_received ON as4_message_ids (received_at);

        -- AS4 pull (issue 5): signed user messages waiting in a partner's MPC until its receipt arrives.
        CREATE TABLE IF NOT EXISTS as4_pull_queue (
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,
            mpc               TEXT NOT NULL,
            message_id        TEXT NOT NULL UNIQUE,
            document_id       TEXT NOT NULL,
            access_point_id   TEXT NOT NULL,
            pmode             TEXT NOT NULL,
            content_type      TEXT NOT NULL,
            body              BLOB NOT NULL,
            signed_references TEXT NOT NULL,
            queued_at         TEXT NOT NULL,
            pulls             INTEGER NOT NULL DEFAULT 0,
            last_pulled_at    TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_as4_pull_queue_mpc ON as4_pull_queue (mpc, seq);

        CREATE TABLE IF NOT EXISTS log_offsets (
            grp       TEXT NOT NULL,
            topic     TEXT NOT NULL,
            partition INTEGER NOT NULL,
            offset    INTEGER NOT NULL,
            PRIMARY KEY (grp, topic, partition)
        ) WITHOUT ROWID;
        """;

    /// <summary>The stage log's columns, shared by the schema and the one-time upgrade of older logs.</summary>
    private const string LogColumns = """
        (
            topic       TEXT NOT NULL,
            partition   INTEGER NOT NULL,
            offset      INTEGER NOT NULL,
            document_id TEXT,
            key         TEXT,
            value       BLOB,
            at          INTEGER,
            PRIMARY KEY (topic, partition, offset),
            CHECK (document_id IS NOT NULL OR value IS NOT NULL)
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// Databases created before the log carried keys and values have <c>document_id NOT NULL</c> and no key, value or
    /// at column. SQLite cannot relax a NOT NULL constraint in place, so the table is rebuilt once, in one
    /// transaction, keeping every record and offset; the key of an old record is its document's case id.
    /// </summary>
    private const string UpgradeLogSql = $"""
        CREATE TABLE log_upgraded {LogColumns}
        INSERT INTO log_upgraded (topic, partition, offset, document_id, key)
            SELECT l.topic, l.partition, l.offset, l.document_id, (SELECT d.case_id FROM documents d WHERE d.id = l.document_id)
            FROM log l;
        DROP TABLE log;
        ALTER TABLE log_upgraded RENAME TO log;
        """;
}
