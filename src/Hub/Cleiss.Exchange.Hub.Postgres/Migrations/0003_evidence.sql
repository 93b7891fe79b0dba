-- 0003: exchange evidence, what went over the wire for a document and what came back (one row per kind).

CREATE TABLE evidence (
    document_id uuid NOT NULL,
    kind        text NOT NULL,
    media_type  text NOT NULL,
    content     bytea NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (document_id, kind)
);
