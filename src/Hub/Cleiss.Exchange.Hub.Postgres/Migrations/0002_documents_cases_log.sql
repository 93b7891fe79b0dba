-- 0002: documents, case state and the stage log (intake commit and progress).

-- Times are timestamptz (microseconds; the SQLite store keeps 100 ns ticks as text).
CREATE TABLE documents (
    id               uuid PRIMARY KEY,
    instance_id      text NOT NULL,
    direction        text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    sed_type         text NOT NULL,
    case_id          text NOT NULL,
    business_service text NOT NULL,
    sender_id        text NOT NULL,
    receiver_id      text NOT NULL,
    access_point_id  text NOT NULL,
    endpoint         text,
    pack_id          text NOT NULL,
    content_sha256   text NOT NULL,
    payload          bytea NOT NULL,
    signed_payload   bytea,
    receipt_id       text,
    status           text NOT NULL,
    last_stage       text,
    partition        integer NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (direction, instance_id)
);
CREATE INDEX ix_documents_inbox ON documents (receiver_id, status, updated_at) WHERE direction = 'inbound';

CREATE TABLE cases (
    case_id    text PRIMARY KEY,
    buc        text NOT NULL,
    version    text NOT NULL,
    status     text NOT NULL,
    revision   bigint NOT NULL,
    state      jsonb NOT NULL,
    close_at   timestamptz,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ix_cases_close_at ON cases (close_at) WHERE close_at IS NOT NULL;

CREATE TABLE log (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    "offset"    bigint NOT NULL,
    document_id uuid NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
);

CREATE TABLE log_offsets (
    grp       text NOT NULL,
    topic     text NOT NULL,
    partition integer NOT NULL,
    "offset"  bigint NOT NULL,
    PRIMARY KEY (grp, topic, partition)
);
