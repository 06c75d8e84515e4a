/**
 * The SQLite job store: the only code that opens the database file. WAL mode so the CLI can read
 * `cutover status` while a job writes; every multi-row change in one transaction.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import type { CutoverErrorShape, Stage } from '../../shared/domain/errors'
import type { JobLogEntry, JobSample, LogLevel } from '../../shared/domain/events'
import { logLevels } from '../../shared/domain/events'
import type { BlockedDdl, JobConfig, JobStatus } from '../../shared/domain/job'
import type { BinlogPosition } from '../../shared/domain/position'
import type { ContinuousValidationStatus, RowDifference, ValidationResult } from '../../shared/domain/validation'
import { differencesKept } from '../../shared/domain/validation'
import type { CutoverRecord } from '../../shared/domain/cutover'
import type { AppSettings } from '../../shared/domain/settings'
import { settingsWithDefaults } from '../../shared/domain/settings'
import { downsampleHistory, historyTiers, maxSamplesPerJob } from './historyDownsampling'
import { migrations } from './migrations'
import { notACutoverStore, storeTooNew, withStoreErrorMethods, withStoreErrors } from './storeErrors'


/** A row continuous validation found different: what a screen shows, and its key cells (hex) to read it again. */
export interface ValidationRowDetail extends RowDifference {
  keyCells: (string | null)[]
}

/** What continuous validation changed since its last write. */
export interface ContinuousValidationDelta {
  checked: number
  notFollowed: ContinuousValidationStatus['notFollowed']
  addPending: { table: string; where: string; at: string }[]
  removePending: { table: string; where: string }[]
  upsertFailed: { table: string; key: string; detail: ValidationRowDetail; at: string }[]
  removeFailed: { table: string; key: string }[]
}

export interface StoredJob {
  id: string
  name: string
  /** Without passwords: those live sealed in job_secrets. */
  config: JobConfig
  status: JobStatus
  stage: Stage | null
  lastError: CutoverErrorShape | null
  lagSeconds: number | null
  /** Binlog bytes between the applied checkpoint and the source's end, at the last sample (migration 13). */
  lagBytes: number | null
  /** Since when lag has stayed under 1 s without a break, while replicating; null otherwise. */
  lagLowSince: string | null
  /** Source time of the newest event the target has applied (replication), at the last sample. */
  appliedEventAt: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  updatedAt: string
  /** When the job entered its current status (migration 12). */
  statusSince: string
}

/** When a stage first ran and when the job left it (a later stage began, or the job finished): migration 11. */
export type StageTimes = Partial<Record<Stage, { startedAt: string; finishedAt: string | null }>>

const stageOrder: readonly Stage[] = ['precheck', 'schema', 'existing', 'incremental']

/** Samples appended between two passes of the downsampler over a job's series (one per 5 min at one per 5 s). */
const compactEvery = 60

interface SampleRow {
  at_ms: number
  span_ms: number
  stage: Stage
  rows_per_second: number
  bytes_per_second: number
  lag_seconds: number | null
}

const toSample = (r: SampleRow): JobSample => ({
  t: r.at_ms,
  spanMs: r.span_ms,
  stage: r.stage,
  rowsPerSecond: r.rows_per_second,
  bytesPerSecond: r.bytes_per_second,
  lagSeconds: r.lag_seconds,
})

/** Stored in migration 10. */
export type { BlockedDdl }

/** The schema a table's rows are copied with. */
export interface SnapshotTable {
  table: string
  /** The table's schema digest at that snapshot (dump/schemaFingerprint.ts). */
  fingerprint: string
  /** The job's schema stage created the target table (so the job may create it again). */
  created: boolean
}

export interface ChunkCheckpoint {
  table: string
  chunkIndex: number
  lower: unknown[] | null
  upper: unknown[] | null
  state: 'pending' | 'started' | 'done'
  rows: number
  bytes: number
  /** How to redo the chunk if it was started but not committed (see migration 2). */
  redo?: 'fresh' | 'replace' | 'truncate' | 'append'
  /** A done chunk: the binlog position of the snapshot its rows were read at (migration 8; null when unknown). */
  snapshot?: { file: string; position: number } | null
}

export interface PrecheckResultRow {
  itemId: string
  status: 'pass' | 'warning' | 'failed'
  message: string
  fix: string
  runAt: string
}

/**
 * `snapshot`: where the existing data was read (the incremental stage starts there); `resume`: the snapshot
 * of a resumed copy, up to which replay runs in safe mode; `applied`: the last position committed on the target.
 */
export type PositionKind = 'snapshot' | 'resume' | 'applied'

/** What the incremental stage keeps between runs (migration 3). */
export interface ReplicationState {
  serverId: number
  /** JSON of the tracked schema valid at the 'applied' position; null before the first checkpoint. */
  trackedSchema: string | null
  safeUntil: { file: string; position: number } | null
}

/** Who runs a job: one process at a time (migration 5). */
export interface JobLease {
  owner: string
  pid: number
  host: string
  acquiredAt: string
  renewedAt: string
}

export type LeaseClaim = Pick<JobLease, 'owner' | 'pid' | 'host'>

/**
 * `takenOver`: the lease another owner held and that `isStale` judged abandoned (null when it was free or ours).
 * `holder`: the live owner that keeps the job.
 */
export type LeaseOutcome = { acquired: true; takenOver: JobLease | null } | { acquired: false; holder: JobLease }

/** What another process asks of a job's owner (migration 9). */
export type ControlAction = 'pause' | 'delete' | 'rescale'

export interface ControlRequest {
  requestId: string
  action: ControlAction
  /** The whole new spec, for 'rescale'. */
  spec: JobConfig['spec'] | null
  requestedBy: string
  requestedAt: string
  state: 'pending' | 'taken' | 'done' | 'failed'
  error: CutoverErrorShape | null
  answeredAt: string | null
}

interface ControlRow {
  request_id: string
  action: ControlAction
  spec: string | null
  requested_by: string
  requested_at: string
  state: ControlRequest['state']
  error: string | null
  answered_at: string | null
}

function toControlRequest(row: ControlRow): ControlRequest {
  return {
    requestId: row.request_id,
    action: row.action,
    spec: row.spec === null ? null : (JSON.parse(row.spec) as JobConfig['spec']),
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    state: row.state,
    error: row.error === null ? null : (JSON.parse(row.error) as CutoverErrorShape),
    answeredAt: row.answered_at,
  }
}

export type JobPatch = Partial<
  Pick<
    StoredJob,
    | 'status'
    | 'stage'
    | 'lastError'
    | 'lagSeconds'
    | 'lagBytes'
    | 'lagLowSince'
    | 'appliedEventAt'
    | 'startedAt'
    | 'finishedAt'
  >
>

interface JobRow {
  id: string
  name: string
  config: string
  status: JobStatus
  stage: Stage | null
  last_error: string | null
  lag_seconds: number | null
  lag_bytes: number | null
  lag_low_since: string | null
  applied_event_at: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
  status_since: string | null
}

const now = () => new Date().toISOString()

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    name: row.name,
    config: JSON.parse(row.config) as JobConfig,
    status: row.status,
    stage: row.stage,
    lastError: row.last_error ? (JSON.parse(row.last_error) as CutoverErrorShape) : null,
    lagSeconds: row.lag_seconds,
    lagBytes: row.lag_bytes,
    lagLowSince: row.lag_low_since,
    appliedEventAt: row.applied_event_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    statusSince: row.status_since ?? row.updated_at,
  }
}

/** Strips every secret from a config before it is written as JSON. */
export function withoutSecrets(config: JobConfig): JobConfig {
  const strip = (c: JobConfig['source']): JobConfig['source'] => {
    const { password: _password, ...rest } = c
    const ssh = c.ssh ? (({ password: _p, passphrase: _pp, ...s }) => s)(c.ssh) : null
    return { ...rest, ssh }
  }
  return { ...config, source: strip(config.source), target: strip(config.target) }
}

export type JobStore = ReturnType<typeof openJobStore>

/**
 * Opens (or creates) the store at `path`. Every failure of the file, at open and in any later call, is a
 * CutoverError naming the file, the cause and the fix (storeErrors.ts); a file that is not a Cutover store is
 * refused before anything is written to it.
 */
export function openJobStore(path: string) {
  return withStoreErrorMethods(path, withStoreErrors(path, openStoreFile)(path))
}

function openStoreFile(path: string) {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  try {
    // Read before the first write (WAL mode rewrites the header, migrations add tables).
    refuseForeignFile(db, path)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db, path)
  } catch (error) {
    db.close()
    throw error
  }

  const statements = {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, name, config, status, stage, created_at, updated_at)
       VALUES (@id, @name, @config, 'created', NULL, @now, @now)`,
    ),
    jobById: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    jobByName: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE name = ?'),
    allJobs: db.prepare<[], JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, name'),
    deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
    insertEvent: db.prepare('INSERT INTO job_events (job_id, time, level, code, message) VALUES (?, ?, ?, ?, ?)'),
    upsertChunk: db.prepare(
      `INSERT INTO chunk_checkpoints (job_id, table_name, chunk_index, lower_bound, upper_bound, state, rows, bytes, redo,
         snapshot_file, snapshot_position, updated_at)
       VALUES (@jobId, @table, @chunkIndex, @lower, @upper, @state, @rows, @bytes, @redo, @snapshotFile, @snapshotPosition, @now)
       ON CONFLICT (job_id, table_name, chunk_index) DO UPDATE SET
         lower_bound = excluded.lower_bound, upper_bound = excluded.upper_bound, state = excluded.state,
         rows = excluded.rows, bytes = excluded.bytes, redo = excluded.redo, snapshot_file = excluded.snapshot_file,
         snapshot_position = excluded.snapshot_position, updated_at = excluded.updated_at`,
    ),
    chunks: db.prepare('SELECT * FROM chunk_checkpoints WHERE job_id = ? ORDER BY table_name, chunk_index'),
    upsertPosition: db.prepare(
      `INSERT INTO replication_positions (job_id, kind, file, position, gtid_set, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id, kind) DO UPDATE SET file = excluded.file, position = excluded.position,
         gtid_set = excluded.gtid_set, updated_at = excluded.updated_at`,
    ),
    position: db.prepare<[string, string], { file: string; position: number; gtid_set: string | null }>(
      'SELECT file, position, gtid_set FROM replication_positions WHERE job_id = ? AND kind = ?',
    ),
    deletePrecheck: db.prepare('DELETE FROM precheck_results WHERE job_id = ?'),
    insertPrecheck: db.prepare(
      'INSERT INTO precheck_results (job_id, item_id, status, message, fix, run_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    precheck: db.prepare<
      [string],
      { item_id: string; status: PrecheckResultRow['status']; message: string; fix: string; run_at: string }
    >('SELECT * FROM precheck_results WHERE job_id = ? ORDER BY item_id'),
    upsertSecret: db.prepare(
      `INSERT INTO job_secrets (job_id, name, sealed) VALUES (?, ?, ?)
       ON CONFLICT (job_id, name) DO UPDATE SET sealed = excluded.sealed`,
    ),
    secret: db.prepare<[string, string], { sealed: Buffer }>(
      'SELECT sealed FROM job_secrets WHERE job_id = ? AND name = ?',
    ),
    secretNames: db.prepare<[string], { name: string }>('SELECT name FROM job_secrets WHERE job_id = ?'),
    upsertSample: db.prepare(
      `INSERT OR REPLACE INTO job_samples (job_id, at_ms, span_ms, stage, rows_per_second, bytes_per_second, lag_seconds)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteSample: db.prepare('DELETE FROM job_samples WHERE job_id = ? AND at_ms = ?'),
    samples: db.prepare<[string], SampleRow>('SELECT * FROM job_samples WHERE job_id = ? ORDER BY at_ms'),
    olderSamples: db.prepare<[string, number], SampleRow>(
      'SELECT * FROM job_samples WHERE job_id = ? AND at_ms + span_ms <= ? ORDER BY at_ms',
    ),
    recentSampleCount: db.prepare<[string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM job_samples WHERE job_id = ? AND at_ms + span_ms > ?',
    ),
  }

  const samplesSinceCompaction = new Map<string, number>()

  function writeSample(jobId: string, s: JobSample): void {
    statements.upsertSample.run(jobId, s.t, s.spanMs, s.stage, s.rowsPerSecond, s.bytesPerSecond, s.lagSeconds)
  }

  /**
   * Rewrites the part of the job's series that may merge (older than the first tier: the last hour stays as
   * recorded) as downsampleHistory keeps it, when that changes anything.
   */
  function compactSamples(jobId: string, nowMs: number): void {
    const cut = nowMs - (historyTiers[1]?.olderThanMs ?? 0)
    db.transaction(() => {
      const recent = statements.recentSampleCount.get(jobId, cut)!.n
      const rows = statements.olderSamples.all(jobId, cut).map(toSample)
      const kept = downsampleHistory(rows, nowMs, historyTiers, Math.max(2, maxSamplesPerJob - recent))
      if (kept.length === rows.length) return
      // Only what changed is written: a pass each minute merges a dozen samples, not the whole series.
      const before = new Map(rows.map((r) => [r.t, r]))
      const keptAt = new Set(kept.map((k) => k.t))
      for (const r of rows) if (!keptAt.has(r.t)) statements.deleteSample.run(jobId, r.t)
      for (const k of kept) if (before.get(k.t) !== k) writeSample(jobId, k)
    })()
  }

  /** A running stage is recorded once (its first start); the stages before it, or all once finished or cut over, end now. */
  function recordStageTimes(jobId: string, patch: JobPatch, at: string): void {
    const stage = patch.stage
    if (patch.status === 'running' && stage) {
      db.prepare('INSERT OR IGNORE INTO job_stage_times (job_id, stage, started_at) VALUES (?, ?, ?)').run(
        jobId,
        stage,
        at,
      )
      const earlier = stageOrder.slice(0, stageOrder.indexOf(stage))
      db.prepare(
        `UPDATE job_stage_times SET finished_at = ? WHERE job_id = ? AND finished_at IS NULL
           AND stage IN (${earlier.map(() => '?').join(', ') || "''"})`,
      ).run(at, jobId, ...earlier)
    }
    // A job cut over has ended too: replication stopped at the cutover point.
    if (patch.status === 'finished' || patch.status === 'cutover')
      db.prepare('UPDATE job_stage_times SET finished_at = ? WHERE job_id = ? AND finished_at IS NULL').run(at, jobId)
  }

  function requireJob(id: string): StoredJob {
    const row = statements.jobById.get(id)
    if (!row) throw new Error(`no job with id ${id}`)
    return toJob(row)
  }

  function readLease(jobId: string): JobLease | null {
    const row = db
      .prepare<[string], { owner: string; pid: number; host: string; acquired_at: string; renewed_at: string }>(
        'SELECT owner, pid, host, acquired_at, renewed_at FROM job_leases WHERE job_id = ?',
      )
      .get(jobId)
    return row
      ? { owner: row.owner, pid: row.pid, host: row.host, acquiredAt: row.acquired_at, renewedAt: row.renewed_at }
      : null
  }

  return {
    path,

    createJob(config: JobConfig): StoredJob {
      const id = randomUUID()
      statements.insertJob.run({ id, name: config.name, config: JSON.stringify(withoutSecrets(config)), now: now() })
      return requireJob(id)
    },

    getJob(id: string): StoredJob | null {
      const row = statements.jobById.get(id)
      return row ? toJob(row) : null
    },

    findJobByName(name: string): StoredJob | null {
      const row = statements.jobByName.get(name)
      return row ? toJob(row) : null
    },

    listJobs(): StoredJob[] {
      return statements.allJobs.all().map(toJob)
    },

    updateJob(id: string, patch: JobPatch): StoredJob {
      const columns: Record<keyof JobPatch, string> = {
        status: 'status',
        stage: 'stage',
        lastError: 'last_error',
        lagSeconds: 'lag_seconds',
        lagBytes: 'lag_bytes',
        lagLowSince: 'lag_low_since',
        appliedEventAt: 'applied_event_at',
        startedAt: 'started_at',
        finishedAt: 'finished_at',
      }
      const sets: string[] = []
      const values: unknown[] = []
      for (const [key, column] of Object.entries(columns) as [keyof JobPatch, string][]) {
        if (!(key in patch)) continue
        const value = patch[key]
        sets.push(`${column} = ?`)
        values.push(key === 'lastError' && value ? JSON.stringify(value) : (value ?? null))
      }
      sets.push('updated_at = ?')
      const at = now()
      values.push(at, id)
      db.transaction(() => {
        db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...values)
        recordStageTimes(id, patch, at)
      })()
      return requireJob(id)
    },

    stageTimes(jobId: string): StageTimes {
      const rows = db
        .prepare<[string], { stage: Stage; started_at: string; finished_at: string | null }>(
          'SELECT stage, started_at, finished_at FROM job_stage_times WHERE job_id = ?',
        )
        .all(jobId)
      return Object.fromEntries(rows.map((r) => [r.stage, { startedAt: r.started_at, finishedAt: r.finished_at }]))
    },

    /** One point of the job's throughput and lag history; older points are merged as the series grows. */
    appendSample(jobId: string, sample: JobSample, nowMs = Date.now()): void {
      writeSample(jobId, sample)
      const appended = (samplesSinceCompaction.get(jobId) ?? 0) + 1
      samplesSinceCompaction.set(jobId, appended)
      if (appended >= compactEvery) {
        samplesSinceCompaction.set(jobId, 0)
        compactSamples(jobId, nowMs)
      }
    },

    listSamples(jobId: string): JobSample[] {
      return statements.samples.all(jobId).map(toSample)
    },

    replaceConfig(id: string, config: JobConfig): StoredJob {
      db.prepare('UPDATE jobs SET config = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(withoutSecrets(config)),
        now(),
        id,
      )
      return requireJob(id)
    },

    deleteJob(id: string): boolean {
      return statements.deleteJob.run(id).changes > 0
    },

    appendEvent(jobId: string, level: LogLevel, message: string, code: string | null = null): JobLogEntry {
      const time = now()
      const info = statements.insertEvent.run(jobId, time, level, code, message)
      return { id: Number(info.lastInsertRowid), jobId, time, level, code, message }
    },

    /** Oldest first; with `latest`, the newest `limit` entries (a long job's log is read from its end), still oldest first. */
    listEvents(
      jobId: string,
      options: { afterId?: number; limit?: number; minLevel?: LogLevel; latest?: boolean } = {},
    ): JobLogEntry[] {
      const levels = logLevels.slice(logLevels.indexOf(options.minLevel ?? 'debug'))
      const rows = db
        .prepare(
          `SELECT id, job_id, time, level, code, message FROM job_events
           WHERE job_id = ? AND id > ? AND level IN (${levels.map(() => '?').join(',')})
           ORDER BY id ${options.latest ? 'DESC' : 'ASC'} LIMIT ?`,
        )
        .all(jobId, options.afterId ?? 0, ...levels, options.limit ?? 500) as {
        id: number
        job_id: string
        time: string
        level: LogLevel
        code: string | null
        message: string
      }[]
      if (options.latest) rows.reverse()
      return rows.map((r) => ({
        id: r.id,
        jobId: r.job_id,
        time: r.time,
        level: r.level,
        code: r.code,
        message: r.message,
      }))
    },

    /** Records chunk states; called with state 'done' only after the target committed the chunk. */
    saveChunks(jobId: string, chunks: ChunkCheckpoint[]): void {
      const write = db.transaction((items: ChunkCheckpoint[]) => {
        for (const c of items) {
          statements.upsertChunk.run({
            jobId,
            table: c.table,
            chunkIndex: c.chunkIndex,
            lower: c.lower === null ? null : JSON.stringify(c.lower),
            upper: c.upper === null ? null : JSON.stringify(c.upper),
            state: c.state,
            rows: c.rows,
            bytes: c.bytes,
            redo: c.redo ?? 'replace',
            snapshotFile: c.snapshot?.file ?? null,
            snapshotPosition: c.snapshot?.position ?? null,
            now: now(),
          })
        }
      })
      write(chunks)
    },

    listChunks(jobId: string): ChunkCheckpoint[] {
      return (
        statements.chunks.all(jobId) as {
          table_name: string
          chunk_index: number
          lower_bound: string | null
          upper_bound: string | null
          state: 'pending' | 'started' | 'done'
          rows: number
          bytes: number
          redo: 'fresh' | 'replace' | 'truncate' | 'append'
          snapshot_file: string | null
          snapshot_position: number | null
        }[]
      ).map((r) => ({
        table: r.table_name,
        chunkIndex: r.chunk_index,
        lower: r.lower_bound === null ? null : (JSON.parse(r.lower_bound) as unknown[]),
        upper: r.upper_bound === null ? null : (JSON.parse(r.upper_bound) as unknown[]),
        state: r.state,
        rows: r.rows,
        bytes: r.bytes,
        redo: r.redo,
        snapshot:
          r.snapshot_file === null || r.snapshot_position === null
            ? null
            : { file: r.snapshot_file, position: r.snapshot_position },
      }))
    },

    savePosition(jobId: string, kind: PositionKind, position: BinlogPosition): void {
      statements.upsertPosition.run(jobId, kind, position.file, position.position, position.gtidSet, now())
    },

    getPosition(jobId: string, kind: PositionKind): BinlogPosition | null {
      const row = statements.position.get(jobId, kind)
      return row ? { file: row.file, position: row.position, gtidSet: row.gtid_set } : null
    },

    /** The job's replication state, created with `serverId` on first use (the id then stays the job's). */
    replicationState(jobId: string, newServerId: () => number): ReplicationState {
      const read = () =>
        db
          .prepare<
            [string],
            {
              server_id: number
              tracked_schema: string | null
              safe_until_file: string | null
              safe_until_position: number | null
            }
          >(
            'SELECT server_id, tracked_schema, safe_until_file, safe_until_position FROM replication_state WHERE job_id = ?',
          )
          .get(jobId)
      let row = read()
      for (let attempt = 0; !row && attempt < 5; attempt++) {
        try {
          db.prepare('INSERT INTO replication_state (job_id, server_id, updated_at) VALUES (?, ?, ?)').run(
            jobId,
            newServerId(),
            now(),
          )
        } catch (error) {
          // A server id another job already holds: draw again.
          if (!String((error as Error).message).includes('UNIQUE')) throw error
        }
        row = read()
      }
      if (!row) throw new Error('could not allocate a replication server id')
      return {
        serverId: row.server_id,
        trackedSchema: row.tracked_schema,
        safeUntil:
          row.safe_until_file === null || row.safe_until_position === null
            ? null
            : { file: row.safe_until_file, position: row.safe_until_position },
      }
    },

    /** Replication server ids held by every job in this store. */
    replicationServerIds(): number[] {
      return db
        .prepare<[], { server_id: number }>('SELECT server_id FROM replication_state')
        .all()
        .map((r) => r.server_id)
    },

    /**
     * The incremental checkpoint: the applied position and, when a DDL moved it, the tracked schema valid there,
     * in one transaction so a crash never leaves a position paired with the wrong schema.
     */
    saveAppliedCheckpoint(jobId: string, position: BinlogPosition, trackedSchema?: string): void {
      db.transaction(() => {
        statements.upsertPosition.run(jobId, 'applied', position.file, position.position, position.gtidSet, now())
        if (trackedSchema !== undefined) {
          db.prepare('UPDATE replication_state SET tracked_schema = ?, updated_at = ? WHERE job_id = ?').run(
            trackedSchema,
            now(),
            jobId,
          )
        }
      })()
    },

    /** Records the DDL that stopped the job (an earlier record, decided or not, is replaced). */
    saveBlockedDdl(jobId: string, blocked: Pick<BlockedDdl, 'at' | 'statement' | 'reason'>): void {
      db.prepare(
        `INSERT OR REPLACE INTO blocked_ddl (job_id, file, position, statement, reason) VALUES (?, ?, ?, ?, ?)`,
      ).run(jobId, blocked.at.file, blocked.at.position, blocked.statement, blocked.reason)
    },

    blockedDdl(jobId: string): BlockedDdl | null {
      const row = db
        .prepare<
          [string],
          {
            file: string
            position: number
            statement: string
            reason: string
            action: 'skip' | 'replace' | null
            replacement: string | null
            decided_at: string | null
          }
        >('SELECT * FROM blocked_ddl WHERE job_id = ?')
        .get(jobId)
      if (!row) return null
      return {
        at: { file: row.file, position: Number(row.position) },
        statement: row.statement,
        reason: row.reason,
        action: row.action,
        replacement: row.replacement ? (JSON.parse(row.replacement) as string[]) : [],
        decidedAt: row.decided_at,
      }
    },

    decideBlockedDdl(jobId: string, action: 'skip' | 'replace', replacement: string[]): void {
      db.prepare('UPDATE blocked_ddl SET action = ?, replacement = ?, decided_at = ? WHERE job_id = ?').run(
        action,
        JSON.stringify(replacement),
        now(),
        jobId,
      )
    },

    clearBlockedDdl(jobId: string): void {
      db.prepare('DELETE FROM blocked_ddl WHERE job_id = ?').run(jobId)
    },

    /** Records, per table, the schema at the snapshot its rows are copied at (replacing an earlier record of it). */
    saveSnapshotTables(jobId: string, items: SnapshotTable[]): void {
      const insert = db.prepare(
        'INSERT OR REPLACE INTO snapshot_tables (job_id, table_name, fingerprint, created) VALUES (?, ?, ?, ?)',
      )
      db.transaction(() => {
        for (const t of items) insert.run(jobId, t.table, t.fingerprint, t.created ? 1 : 0)
      })()
    },

    listSnapshotTables(jobId: string): SnapshotTable[] {
      const rows = db
        .prepare('SELECT table_name, fingerprint, created FROM snapshot_tables WHERE job_id = ? ORDER BY table_name')
        .all(jobId) as { table_name: string; fingerprint: string; created: number }[]
      return rows.map((r) => ({ table: r.table_name, fingerprint: r.fingerprint, created: r.created === 1 }))
    },

    /** Drops a table's chunk plan and checkpoints: the table is planned and copied again from the start. */
    forgetChunks(jobId: string, table: string): void {
      db.prepare('DELETE FROM chunk_checkpoints WHERE job_id = ? AND table_name = ?').run(jobId, table)
    },

    /** Writes a validation (migration 7): at its start as running, again with its result. */
    saveValidation(result: ValidationResult): void {
      db.prepare(
        `INSERT INTO validations (id, job_id, status, started_at, finished_at, result) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, result = excluded.result`,
      ).run(result.id, result.jobId, result.status, result.startedAt, result.finishedAt, JSON.stringify(result))
    },

    countValidations(jobId: string): number {
      return db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM validations WHERE job_id = ?').get(jobId)!.n
    },

    /** The job's most recent validation (running or ended), or null. */
    lastValidation(jobId: string): ValidationResult | null {
      const row = db
        .prepare<[string], { result: string }>(
          'SELECT result FROM validations WHERE job_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1',
        )
        .get(jobId)
      return row ? (JSON.parse(row.result) as ValidationResult) : null
    },

    /** Adds replicated row changes per table (migration 13), with the time the last of them was applied. */
    addTableChanges(jobId: string, counts: ReadonlyMap<string, number>, at: string): void {
      const upsert = db.prepare(
        `INSERT INTO table_changes (job_id, table_name, rows, last_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (job_id, table_name) DO UPDATE SET rows = rows + excluded.rows, last_at = excluded.last_at`,
      )
      db.transaction(() => {
        for (const [table, rows] of counts) upsert.run(jobId, table, rows, at)
      })()
    },

    listTableChanges(jobId: string): { table: string; rows: number; lastAt: string }[] {
      return db
        .prepare<[string], { table_name: string; rows: number; last_at: string }>(
          'SELECT table_name, rows, last_at FROM table_changes WHERE job_id = ? ORDER BY table_name',
        )
        .all(jobId)
        .map((r) => ({ table: r.table_name, rows: r.rows, lastAt: r.last_at }))
    },

    saveCutover(record: CutoverRecord): void {
      db.prepare(
        'INSERT INTO cutovers (job_id, record) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET record = excluded.record',
      ).run(record.jobId, JSON.stringify(record))
    },

    /** Writes what continuous validation changed since its last write (migration 14), in one transaction. */
    saveContinuousValidation(jobId: string, delta: ContinuousValidationDelta): void {
      const addPending = db.prepare(
        `INSERT OR IGNORE INTO validation_rows (job_id, state, table_name, row_key, detail, noted_at) VALUES (?, 'pending', ?, ?, NULL, ?)`,
      )
      const removePending = db.prepare(
        `DELETE FROM validation_rows WHERE job_id = ? AND state = 'pending' AND table_name = ? AND row_key = ?`,
      )
      const upsertFailed = db.prepare(
        `INSERT INTO validation_rows (job_id, state, table_name, row_key, detail, noted_at) VALUES (?, 'failed', ?, ?, ?, ?)
         ON CONFLICT (job_id, state, table_name, row_key) DO UPDATE SET detail = excluded.detail`,
      )
      const removeFailed = db.prepare(
        `DELETE FROM validation_rows WHERE job_id = ? AND state = 'failed' AND table_name = ? AND row_key = ?`,
      )
      db.transaction(() => {
        db.prepare(
          `INSERT INTO continuous_validation (job_id, checked, not_followed, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id) DO UPDATE SET checked = excluded.checked, not_followed = excluded.not_followed,
             updated_at = excluded.updated_at`,
        ).run(jobId, delta.checked, JSON.stringify(delta.notFollowed), now())
        for (const r of delta.removePending) removePending.run(jobId, r.table, r.where)
        for (const r of delta.addPending) addPending.run(jobId, r.table, r.where, r.at)
        for (const r of delta.removeFailed) removeFailed.run(jobId, r.table, r.key)
        for (const r of delta.upsertFailed) upsertFailed.run(jobId, r.table, r.key, JSON.stringify(r.detail), r.at)
      })()
    },

    /** What continuous validation left: its totals, the rows still pending and the rows found different. */
    restoreContinuousValidation(jobId: string): {
      checked: number
      notFollowed: ContinuousValidationStatus['notFollowed']
      pending: { table: string; where: string; at: string }[]
      failed: { table: string; key: string; detail: ValidationRowDetail; at: string }[]
    } {
      const head = db
        .prepare<[string], { checked: number; not_followed: string }>(
          'SELECT checked, not_followed FROM continuous_validation WHERE job_id = ?',
        )
        .get(jobId)
      const rows = db
        .prepare<[string], { state: string; table_name: string; row_key: string; detail: string | null; noted_at: string }>(
          'SELECT state, table_name, row_key, detail, noted_at FROM validation_rows WHERE job_id = ? ORDER BY noted_at, rowid',
        )
        .all(jobId)
      return {
        checked: head?.checked ?? 0,
        notFollowed: head ? (JSON.parse(head.not_followed) as ContinuousValidationStatus['notFollowed']) : [],
        pending: rows
          .filter((r) => r.state === 'pending')
          .map((r) => ({ table: r.table_name, where: r.row_key, at: r.noted_at })),
        failed: rows
          .filter((r) => r.state === 'failed')
          .map((r) => ({
            table: r.table_name,
            key: r.row_key,
            detail: JSON.parse(r.detail ?? '{}') as ValidationRowDetail,
            at: r.noted_at,
          })),
      }
    },

    /** The job's continuous validation as a screen shows it; null when the job never ran it. */
    continuousValidation(jobId: string): ContinuousValidationStatus | null {
      const head = db
        .prepare<[string], { checked: number; not_followed: string; updated_at: string }>(
          'SELECT checked, not_followed, updated_at FROM continuous_validation WHERE job_id = ?',
        )
        .get(jobId)
      if (!head) return null
      const count = (state: string) =>
        db
          .prepare<[string, string], { n: number }>(
            'SELECT COUNT(*) AS n FROM validation_rows WHERE job_id = ? AND state = ?',
          )
          .get(jobId, state)!.n
      const failedRows = db
        .prepare<[string, number], { table_name: string; detail: string; noted_at: string }>(
          `SELECT table_name, detail, noted_at FROM validation_rows WHERE job_id = ? AND state = 'failed'
           ORDER BY noted_at, rowid LIMIT ?`,
        )
        .all(jobId, differencesKept)
        .map((r) => {
          const detail = JSON.parse(r.detail) as ValidationRowDetail
          return { table: r.table_name, kind: detail.kind, key: detail.key, columns: detail.columns, foundAt: r.noted_at }
        })
      return {
        jobId,
        pending: count('pending'),
        failed: count('failed'),
        checked: head.checked,
        notFollowed: JSON.parse(head.not_followed) as ContinuousValidationStatus['notFollowed'],
        failedRows,
        updatedAt: head.updated_at,
      }
    },

    cutover(jobId: string): CutoverRecord | null {
      const row = db.prepare<[string], { record: string }>('SELECT record FROM cutovers WHERE job_id = ?').get(jobId)
      return row ? (JSON.parse(row.record) as CutoverRecord) : null
    },

    /** Records the index builds a physical load defers (replacing any earlier list for those tables). */
    saveDeferredIndexes(jobId: string, items: { table: string; statement: string }[]): void {
      const insert = db.prepare(
        'INSERT OR REPLACE INTO deferred_indexes (job_id, table_name, statement) VALUES (?, ?, ?)',
      )
      db.transaction(() => {
        for (const item of items) insert.run(jobId, item.table, item.statement)
      })()
    },

    listDeferredIndexes(jobId: string): { table: string; statement: string }[] {
      return db
        .prepare('SELECT table_name AS "table", statement FROM deferred_indexes WHERE job_id = ? ORDER BY table_name')
        .all(jobId) as { table: string; statement: string }[]
    },

    /** Called once the target has the table's deferred indexes. */
    deferredIndexesBuilt(jobId: string, table: string): void {
      db.prepare('DELETE FROM deferred_indexes WHERE job_id = ? AND table_name = ?').run(jobId, table)
    },

    saveSafeUntil(jobId: string, position: { file: string; position: number } | null): void {
      db.prepare(
        'UPDATE replication_state SET safe_until_file = ?, safe_until_position = ?, updated_at = ? WHERE job_id = ?',
      ).run(position?.file ?? null, position?.position ?? null, now(), jobId)
    },

    /**
     * Takes the job's lease unless another owner holds it and `isStale` says that owner is alive. The read and the
     * write are one IMMEDIATE transaction (the database's write lock is held from the read on), so of two processes
     * claiming at once exactly one gets it.
     */
    acquireLease(jobId: string, claim: LeaseClaim, isStale: (held: JobLease) => boolean): LeaseOutcome {
      return db
        .transaction((): LeaseOutcome => {
          const held = readLease(jobId)
          if (held && held.owner !== claim.owner && !isStale(held)) return { acquired: false, holder: held }
          const time = now()
          db.prepare(
            `INSERT INTO job_leases (job_id, owner, pid, host, acquired_at, renewed_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (job_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
               acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at`,
          ).run(jobId, claim.owner, claim.pid, claim.host, time, time)
          return { acquired: true, takenOver: held && held.owner !== claim.owner ? held : null }
        })
        .immediate()
    },

    /** Moves the lease's renewal time on; false when `owner` no longer holds it (released, or taken over). */
    renewLease(jobId: string, owner: string): boolean {
      return (
        db.prepare('UPDATE job_leases SET renewed_at = ? WHERE job_id = ? AND owner = ?').run(now(), jobId, owner)
          .changes > 0
      )
    },

    /** Gives the lease up; a no-op when `owner` does not hold it. */
    releaseLease(jobId: string, owner: string): void {
      db.prepare('DELETE FROM job_leases WHERE job_id = ? AND owner = ?').run(jobId, owner)
    },

    getLease(jobId: string): JobLease | null {
      return readLease(jobId)
    },

    /**
     * Jobs stored as running whose lease is free or judged stale become 'interrupted', their stale leases removed,
     * in one IMMEDIATE transaction (a run starting meanwhile either holds its lease already or sees the new status).
     */
    interruptOrphanedJobs(isStale: (held: JobLease) => boolean): StoredJob[] {
      // Read first: the write lock is taken only when some job is stored as running.
      if (!db.prepare("SELECT 1 FROM jobs WHERE status = 'running' LIMIT 1").get()) return []
      return db
        .transaction((): StoredJob[] => {
          const orphans: StoredJob[] = []
          for (const row of db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'running'").all()) {
            const held = readLease(row.id)
            if (held && !isStale(held)) continue
            if (held) db.prepare('DELETE FROM job_leases WHERE job_id = ? AND owner = ?').run(row.id, held.owner)
            db.prepare("UPDATE jobs SET status = 'interrupted', updated_at = ? WHERE id = ?").run(now(), row.id)
            orphans.push(requireJob(row.id))
          }
          return orphans
        })
        .immediate()
    },

    /** Asks the job's owner to act; replaces an earlier request of the job, answered or not. */
    requestControl(
      jobId: string,
      request: Pick<ControlRequest, 'requestId' | 'action' | 'spec' | 'requestedBy'>,
    ): void {
      db.prepare(
        `INSERT INTO job_controls (job_id, request_id, action, spec, requested_by, requested_at, state)
         VALUES (?, ?, ?, ?, ?, ?, 'pending')
         ON CONFLICT (job_id) DO UPDATE SET request_id = excluded.request_id, action = excluded.action,
           spec = excluded.spec, requested_by = excluded.requested_by, requested_at = excluded.requested_at,
           state = 'pending', error = NULL, answered_at = NULL`,
      ).run(
        jobId,
        request.requestId,
        request.action,
        request.spec ? JSON.stringify(request.spec) : null,
        request.requestedBy,
        now(),
      )
    },

    readControlRequest(jobId: string): ControlRequest | null {
      const row = db.prepare<[string], ControlRow>('SELECT * FROM job_controls WHERE job_id = ?').get(jobId)
      return row ? toControlRequest(row) : null
    },

    /**
     * The job's pending request, marked taken so that it is acted on once; null when there is none. The owner
     * calls this every second: a read, and a write only when a request waits.
     */
    takeControlRequest(jobId: string): ControlRequest | null {
      if (!db.prepare("SELECT 1 FROM job_controls WHERE job_id = ? AND state = 'pending'").get(jobId)) return null
      const row = db
        .prepare<[string], ControlRow>(
          "UPDATE job_controls SET state = 'taken' WHERE job_id = ? AND state = 'pending' RETURNING *",
        )
        .get(jobId)
      return row ? toControlRequest(row) : null
    },

    /** Records the outcome of a taken request: done, or the error that stopped it. */
    answerControlRequest(jobId: string, requestId: string, error: CutoverErrorShape | null): void {
      db.prepare(
        'UPDATE job_controls SET state = ?, error = ?, answered_at = ? WHERE job_id = ? AND request_id = ?',
      ).run(error ? 'failed' : 'done', error ? JSON.stringify(error) : null, now(), jobId, requestId)
    },

    /** Removes a request nobody has taken (its requester stopped waiting); false once the owner took it. */
    withdrawControlRequest(jobId: string, requestId: string): boolean {
      return (
        db
          .prepare("DELETE FROM job_controls WHERE job_id = ? AND request_id = ? AND state = 'pending'")
          .run(jobId, requestId).changes > 0
      )
    },

    /** Adds names of secrets held only in one process's memory (never their values). */
    recordUnsealedSecrets(jobId: string, names: string[]): void {
      const known = new Set(this.unsealedSecretNames(jobId))
      for (const name of names) known.add(name)
      db.prepare('UPDATE jobs SET unsealed_secrets = ? WHERE id = ?').run(JSON.stringify([...known].sort()), jobId)
    },

    unsealedSecretNames(jobId: string): string[] {
      const row = db
        .prepare<[string], { unsealed_secrets: string }>('SELECT unsealed_secrets FROM jobs WHERE id = ?')
        .get(jobId)
      return row ? (JSON.parse(row.unsealed_secrets) as string[]) : []
    },

    savePrecheckResults(jobId: string, items: Omit<PrecheckResultRow, 'runAt'>[]): void {
      const runAt = now()
      db.transaction(() => {
        statements.deletePrecheck.run(jobId)
        for (const i of items) statements.insertPrecheck.run(jobId, i.itemId, i.status, i.message, i.fix, runAt)
      })()
    },

    listPrecheckResults(jobId: string): PrecheckResultRow[] {
      return statements.precheck
        .all(jobId)
        .map((r) => ({ itemId: r.item_id, status: r.status, message: r.message, fix: r.fix, runAt: r.run_at }))
    },

    saveSealedSecret(jobId: string, name: string, sealed: Buffer): void {
      statements.upsertSecret.run(jobId, name, sealed)
    },

    getSealedSecret(jobId: string, name: string): Buffer | null {
      return statements.secret.get(jobId, name)?.sealed ?? null
    },

    sealedSecretNames(jobId: string): string[] {
      return statements.secretNames.all(jobId).map((r) => r.name)
    },

    /** The app's settings, defaults filled in for keys never saved (or saved in a shape no longer valid). */
    getSettings(): AppSettings {
      const rows = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM app_settings').all()
      return settingsWithDefaults(Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown])))
    },

    /** Writes every key of `settings` in one transaction; the caller has validated them. */
    saveSettings(settings: AppSettings): void {
      const upsert = db.prepare(
        `INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      const at = now()
      db.transaction(() => {
        for (const [key, value] of Object.entries(settings)) upsert.run(key, JSON.stringify(value), at)
      })()
    },

    schemaVersion(): number {
      return db.pragma('user_version', { simple: true }) as number
    },

    close(): void {
      db.close()
    },
  }
}

/** A database another program wrote (tables, but not Cutover's) is not migrated into a job store. */
function refuseForeignFile(db: Database.Database, path: string): void {
  // The first read of the file: SQLITE_NOTADB or SQLITE_CORRUPT here when it is not a readable database.
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((t) => t.name)
  if (tables.length === 0 || tables.includes('jobs')) return
  const names = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '')
  throw notACutoverStore(path, `it is an SQLite database of another program (tables ${names})`)
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) throw storeTooNew(path, current, migrations.length)
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
