-- 0006: the stage log carries the record's key (the case id) and time, and may carry its own bytes instead of a
-- document id (records published through a stage transport), as the SQLite log does.

ALTER TABLE log
    ADD COLUMN key   text,
    ADD COLUMN value bytea,
    ADD COLUMN at    bigint,
    ALTER COLUMN document_id DROP NOT NULL,
    ADD CONSTRAINT log_document_or_value CHECK (document_id IS NOT NULL OR value IS NOT NULL);

UPDATE log l SET key = d.case_id FROM documents d WHERE d.id = l.document_id;
