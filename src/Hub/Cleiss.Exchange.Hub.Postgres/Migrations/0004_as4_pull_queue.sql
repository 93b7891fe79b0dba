-- 0004: AS4 pull (issue 5): signed user messages waiting in a partner's MPC until its receipt arrives.

CREATE TABLE as4_pull_queue (
    seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mpc               text NOT NULL,
    message_id        text NOT NULL UNIQUE,
    document_id       uuid NOT NULL,
    access_point_id   text NOT NULL,
    pmode             text NOT NULL,
    content_type      text NOT NULL,
    body              bytea NOT NULL,
    signed_references text NOT NULL,
    queued_at         timestamptz NOT NULL,
    pulls             integer NOT NULL DEFAULT 0,
    last_pulled_at    timestamptz
);
CREATE INDEX ix_as4_pull_queue_mpc ON as4_pull_queue (mpc, seq);
