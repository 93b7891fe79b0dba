-- 0007: settings the store must remember across starts (e.g. the partition count of the stage log).

CREATE TABLE hub_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
