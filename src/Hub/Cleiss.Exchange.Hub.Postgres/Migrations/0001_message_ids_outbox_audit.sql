-- 0001: AS4 duplicate elimination, the durable outbox and the hash-chained audit trail.

CREATE TABLE as4_message_ids (
    message_id  text PRIMARY KEY,
    sha256      text NOT NULL,
    document_id uuid NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX ix_as4_message_ids_received ON as4_message_ids (received_at);

-- parked: the order in which documents entered the outbox; a re-park keeps it, so a case keeps its order.
CREATE TABLE outbox (
    document_id     uuid PRIMARY KEY,
    case_id         text NOT NULL,
    access_point_id text NOT NULL,
    due_at          timestamptz NOT NULL,
    attempt         integer NOT NULL,
    parked          bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX ix_outbox_case ON outbox (case_id, parked);
CREATE INDEX ix_outbox_due ON outbox (due_at);

-- at is the chain's canonical text (yyyy-MM-ddTHH:mm:ss.fffffffZ), as hashed, so the chain verifies from the rows alone.
CREATE TABLE audit (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id uuid NOT NULL,
    at          text NOT NULL,
    stage       text NOT NULL,
    event       text NOT NULL,
    code        text,
    facts       text NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);
CREATE INDEX ix_audit_document ON audit (document_id, seq);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END;
$$;
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
