/**
 * Versioned schema of the job store. A migration is appended, never edited: stores in the field are at
 * some version and must reach the newest by running the rest in order (tracked in PRAGMA user_version).
 */
export const migrations: readonly string[] = [
  // 1: jobs, their event log, chunk checkpoints, replication positions, precheck results, sealed secrets.
  `
  CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    config      TEXT NOT NULL,              -- JSON job config, passwords removed
    status      TEXT NOT NULL,              -- 'created' | 'running' | 'paused' | 'failed' | 'finished' (| 'interrupted', 5)
    stage       TEXT,                       -- 'precheck' | 'schema' | 'existing' | 'incremental'
    last_error  TEXT,                       -- JSON CutoverErrorShape
    lag_seconds REAL,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    updated_at  TEXT NOT NULL
  );
  CREATE TABLE job_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    time    TEXT NOT NULL,
    level   TEXT NOT NULL,
    code    TEXT,
    message TEXT NOT NULL
  );
  CREATE INDEX job_events_by_job ON job_events(job_id, id);
  CREATE TABLE chunk_checkpoints (
    job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    table_name   TEXT NOT NULL,             -- 'db.table'
    chunk_index  INTEGER NOT NULL,
    lower_bound  TEXT,                      -- JSON key values, exclusive
    upper_bound  TEXT,                      -- JSON key values, inclusive
    state        TEXT NOT NULL,             -- 'pending' | 'done'
    rows         INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (job_id, table_name, chunk_index)
  );
  CREATE TABLE replication_positions (
    job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,             -- 'snapshot' | 'applied'
    file         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    gtid_set     TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (job_id, kind)
  );
  CREATE TABLE precheck_results (
    job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    item_id  TEXT NOT NULL,
    status   TEXT NOT NULL,                 -- 'pass' | 'warning' | 'failed'
    message  TEXT NOT NULL,
    fix      TEXT NOT NULL,
    run_at   TEXT NOT NULL,
    PRIMARY KEY (job_id, item_id)
  );
  CREATE TABLE job_secrets (
    job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,               -- 'source.password', 'target.ssh.passphrase', ...
    sealed     BLOB NOT NULL,               -- encrypted by the host's SecretBox; never plain text
    PRIMARY KEY (job_id, name)
  );
  `,
  // 2: how a chunk that was started but not committed is redone: keyed chunks are replaced row by row; a
  // table without a key is one chunk, truncated first if the target table was empty when it was planned.
  `ALTER TABLE chunk_checkpoints ADD COLUMN redo TEXT NOT NULL DEFAULT 'replace';`,
  // 3: the incremental stage's own state: the replication server id the job reads the binlog under (never the
  // source's, never another job's), the tracked schema as of the 'applied' position (written in the same
  // transaction as that position), and the position up to which a restart must replay in safe mode.
  `
  CREATE TABLE replication_state (
    job_id              TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    server_id           INTEGER NOT NULL UNIQUE,
    tracked_schema      TEXT,               -- JSON schema history entry valid at the applied position
    safe_until_file     TEXT,               -- replay in safe mode until this position is passed
    safe_until_position INTEGER,
    updated_at          TEXT NOT NULL
  );
  `,
  // 4: secondary indexes a physical load adds after the data (faster than maintaining them row by row), kept
  // until added so that a job interrupted between its last chunk and the index build still gets them.
  `
  CREATE TABLE deferred_indexes (
    job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,               -- schema.table
    statement  TEXT NOT NULL,               -- ALTER TABLE … ADD KEY …, …
    PRIMARY KEY (job_id, table_name)
  );
  `,
  // 5: one owner per job. A process runs a job only while it holds the job's lease, taken in one write transaction
  // and renewed while the job runs; a lease whose process died (same host, pid gone) or that was not renewed in
  // time is taken over. And the names of secrets a host could not seal (kept in one process's memory only), so a
  // later process knows to ask for them again.
  `
  CREATE TABLE job_leases (
    job_id      TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    owner       TEXT NOT NULL,              -- random id of the run holding the lease
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,              -- os.hostname() of the owner
    acquired_at TEXT NOT NULL,
    renewed_at  TEXT NOT NULL
  );
  ALTER TABLE jobs ADD COLUMN unsealed_secrets TEXT NOT NULL DEFAULT '[]';  -- JSON list of secret names
  `,
  // 6: per table, the schema fingerprint at the snapshot its rows are copied at (a resumed copy compares it with its
  // own snapshot's) and whether the job's schema stage created the target table (so the job may create it again).
  `
  CREATE TABLE snapshot_tables (
    job_id          TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    table_name      TEXT NOT NULL,          -- schema.table
    fingerprint     TEXT NOT NULL,
    created         INTEGER NOT NULL,       -- 1: the job created the target table
    PRIMARY KEY (job_id, table_name)
  );
  `,
  // 7: validations of a job (source and target compared chunk by chunk): one row per run, the result as JSON
  // (tables, differing rows, notes, repair SQL path), so the job page and the migration report show the last one.
  `
  CREATE TABLE validations (
    id          TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    status      TEXT NOT NULL,              -- 'running' | 'equal' | 'different' | 'failed' | 'cancelled'
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    result      TEXT NOT NULL               -- JSON ValidationResult
  );
  CREATE INDEX validations_by_job ON validations(job_id, started_at);
  `,
  // 8: the binlog position of the snapshot a done chunk's rows were read at. A resumed copy reads from a newer
  // snapshot than the first; replication must not apply again to a table what its copy already holds.
  `
  ALTER TABLE chunk_checkpoints ADD COLUMN snapshot_file TEXT;
  ALTER TABLE chunk_checkpoints ADD COLUMN snapshot_position INTEGER;
  `,
  // 9: what another process asks of a job's owner (`cutover pause|delete|rescale` while a `cutover run`, `cutover
  // serve` or the app runs it): one request per job, taken by the owner when it polls, answered when acted on.
  `
  CREATE TABLE job_controls (
    job_id       TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    request_id   TEXT NOT NULL,              -- random id: the requester tells its own request from a later one
    action       TEXT NOT NULL,              -- 'pause' | 'delete' | 'rescale'
    spec         TEXT,                       -- JSON job spec, for 'rescale'
    requested_by TEXT NOT NULL,              -- 'process <pid> on <host>'
    requested_at TEXT NOT NULL,
    state        TEXT NOT NULL,              -- 'pending' | 'taken' | 'done' | 'failed'
    error        TEXT,                       -- JSON CutoverErrorShape, when failed
    answered_at  TEXT
  );
  `,
  // 10: the replicated DDL that stopped a job (the target refused it, or it has no faithful form there) and the DBA's
  // decision: skip it, or run other statements in its place, at exactly that binlog position when the job resumes.
  `
  CREATE TABLE blocked_ddl (
    job_id      TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    file        TEXT NOT NULL,              -- binlog position where the DDL's event ends
    position    INTEGER NOT NULL,
    statement   TEXT NOT NULL,              -- as the source ran it
    reason      TEXT NOT NULL,              -- why it stopped the job
    action      TEXT,                       -- null until decided | 'skip' | 'replace'
    replacement TEXT,                       -- JSON list of statements, for 'replace'
    decided_at  TEXT
  );
  `,
  // 11: the job's throughput and lag over its whole run, for the charts of a running or finished job (recorded once
  // per 5 s from its progress, merged into coarser buckets as it ages: historyDownsampling.ts), and when each stage
  // started and ended (a finished stage shows its duration).
  `
  CREATE TABLE job_samples (
    job_id           TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    at_ms            INTEGER NOT NULL,      -- start of the bucket, ms since the epoch
    span_ms          INTEGER NOT NULL,      -- width of the bucket
    stage            TEXT NOT NULL,
    rows_per_second  REAL NOT NULL,         -- mean over the bucket
    bytes_per_second REAL NOT NULL,         -- mean over the bucket
    lag_seconds      REAL,                  -- highest in the bucket; null: not replicating
    PRIMARY KEY (job_id, at_ms)
  );
  CREATE TABLE job_stage_times (
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    started_at  TEXT NOT NULL,              -- when the stage first ran
    finished_at TEXT,                       -- when a later stage began or the job finished
    PRIMARY KEY (job_id, stage)
  );
  `,
  // 12: app settings (alert thresholds), one JSON value per key; and when each job entered its current status, kept
  // by triggers on every path that writes a status, so "paused for 6 h" is measured from the store across restarts.
  `
  CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,             -- JSON
    updated_at TEXT NOT NULL
  );
  ALTER TABLE jobs ADD COLUMN status_since TEXT;
  UPDATE jobs SET status_since = updated_at;
  CREATE TRIGGER jobs_status_since_insert AFTER INSERT ON jobs BEGIN
    UPDATE jobs SET status_since = NEW.updated_at WHERE id = NEW.id;
  END;
  CREATE TRIGGER jobs_status_since_update AFTER UPDATE OF status ON jobs WHEN NEW.status IS NOT OLD.status BEGIN
    UPDATE jobs SET status_since = NEW.updated_at WHERE id = NEW.id;
  END;
  `,
  // 13: what the cutover needs. Per job: the binlog bytes behind and since when lag has stayed under 1 s (written by
  // the incremental stage each second, read by any process's readiness check), and the source time of the newest
  // applied event (how far a paused job is behind); per table, the row changes replicated and when the last was
  // seen (the tables a final validation compares); the cutover point itself.
  `
  ALTER TABLE jobs ADD COLUMN lag_bytes INTEGER;
  ALTER TABLE jobs ADD COLUMN lag_low_since TEXT;
  ALTER TABLE jobs ADD COLUMN applied_event_at TEXT;
  CREATE TABLE table_changes (
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    table_name  TEXT NOT NULL,              -- schema.table
    rows        INTEGER NOT NULL,           -- row changes replicated (insert, update, delete each count 1)
    last_at     TEXT NOT NULL,              -- when the last was applied
    PRIMARY KEY (job_id, table_name)
  );
  CREATE TABLE cutovers (
    job_id      TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    record      TEXT NOT NULL               -- JSON CutoverRecord
  );
  `,
  // 14: continuous validation (spec continuousValidation). Rows a job's binlog changed, waiting for their comparison
  // (kept so a restart or a kill does not forget them), and rows found different at a consistent point, with the
  // running totals.
  `
  CREATE TABLE continuous_validation (
    job_id       TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    checked      INTEGER NOT NULL,          -- comparisons that found the rows equal
    not_followed TEXT NOT NULL,             -- JSON [{table, rows, reason}]
    updated_at   TEXT NOT NULL
  );
  CREATE TABLE validation_rows (
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    state       TEXT NOT NULL,              -- 'pending' | 'failed'
    table_name  TEXT NOT NULL,              -- schema.table
    row_key     TEXT NOT NULL,              -- pending: the condition selecting the row; failed: its key as compared
    detail      TEXT,                       -- failed: JSON {kind, key, columns, keyCells}
    noted_at    TEXT NOT NULL,
    PRIMARY KEY (job_id, state, table_name, row_key)
  );
  `,
]
