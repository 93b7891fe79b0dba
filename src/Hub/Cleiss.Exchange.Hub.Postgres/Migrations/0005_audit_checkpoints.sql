-- 0005: signed checkpoints of the audit Merkle tree (RFC 6962 hashing), append-only like the audit rows.

CREATE TABLE audit_checkpoints (
    tree_size   bigint PRIMARY KEY,
    root        text NOT NULL,
    at          text NOT NULL,
    key_id      text NOT NULL,
    algorithm   text NOT NULL,
    signature   text NOT NULL,
    certificate text NOT NULL
);

CREATE FUNCTION audit_checkpoints_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only';
END;
$$;
CREATE TRIGGER audit_checkpoints_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_are_append_only();
