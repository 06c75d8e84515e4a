/**
 * Applies the binlog's row changes to the target with N parallel workers. The dispatcher reads transactions in
 * binlog order and gives each change to a worker chosen by causality (causality.ts): changes to one key stay on
 * one worker, in order; a change whose keys are in flight on several workers waits. Each worker batches what it
 * holds into multi-row statements (sized by `createBatcher`, values by `encodeSqlLiteral`) and commits them in
 * one target transaction. A DDL is a barrier: every worker drains, the DDL runs with the schema stage's
 * rewrites, the table's unique keys are read back, and dispatch continues.
 *
 * The checkpoint is the end of the last transaction such that it and every earlier one are committed on the
 * target, written at most every few hundred ms (and at every DDL and at the end), never ahead of the target.
 * A transaction that changes a table without a key cannot be replayed idempotently: such transactions go to one
 * worker, in binlog order, each committed whole together with a checkpoint kept on the target (keylessCheckpoint.ts).
 * Changes a table's copy already holds (copied from a later snapshot, copiedTables.ts) are not applied.
 */
import { CutoverError } from '../../../shared/domain/errors'
import { isTransient } from '../retryPolicy'
import type { LogLevel } from '../../../shared/domain/events'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { CheckpointPort } from '../jobStage'
import { executeRaw } from '../connect/rawQuery'
import { replicatedWarningsError, warningsFailure } from '../load/targetWarnings'
import { entryTooLargeErrno, entryTooLargeWorkaround, isEntryTooLarge } from '../load/entryTooLarge'
import { markSide, type SqlSession } from '../connect/session'
import { quoteIdentifier } from '../vocabulary/identifierQuoting'
import { withSourceCollations } from './ddlCollations'
import { toTidbDialect, type TargetIndex } from './tidbDialect'
import { collationChange, targetCollation } from '../schema/collationMapping'
import { identifierName, isPunct, isSignificant, isWord, tokenize } from '../vocabulary/sqlTokenizer'
import type { TableRef } from '../vocabulary/tableRef'
import type { TargetCapabilities } from '../schema/ddlRewriter'
import { rewriteCreateTable } from '../schema/ddlRewriter'
import type { ReaderItem, RowChange } from './binlogReader'
import { createCausality, rowKeys } from './causality'
import type { PlannerInput } from './statementPlanner'
import { planStatements } from './statementPlanner'
import type { BinlogPoint, SafeMode } from './safeMode'
import { comparePositions } from './safeMode'
import { createCopyFilter } from './copiedTables'
import { createKeylessCheckpointTable, keylessCheckpointStatement } from './keylessCheckpoint'
import type { TrackedTable, UniqueKey } from './schemaTracker'
import type { OnlineDdlStep } from './onlineSchemaChange'
import { ddlMarks, identifiesRows, marksShown, readUniqueKeys } from './schemaTracker'

export interface ApplierOptions {
  jobId: string
  store: CheckpointPort
  workers: number
  openWriter(): Promise<SqlSession>
  /** Target session for DDL and key look-ups. */
  control: SqlSession
  target: TargetCapabilities
  maxAllowedPacket: number
  safeMode: SafeMode
  log(level: LogLevel, message: string, code?: string): void
  /** Rows per worker transaction. */
  batchRows?: number
  /** Milliseconds between checkpoint writes. */
  checkpointEveryMs?: number
  /** The position replication starts from: everything before it is already on the target. */
  initial: BinlogPosition
  /** Tables whose copy was read at a later snapshot than `initial`, and that point (copiedTables.ts). */
  copiedAt?: ReadonlyMap<string, BinlogPoint>
  /** The target's checkpoint of key-less changes (keylessCheckpoint.ts), read before the start; null: none yet. */
  keylessApplied?: BinlogPoint | null
  /** The schema history at `initial` (JSON): what the target had before a DDL that directly follows it. */
  initialSchema?: string
  /** Called after a DDL with the unique keys the target now has, so the schema history follows them. */
  keysChanged(ref: TableRef, keys: UniqueKey[]): void
  /** Called when a commit leaves nothing dispatched uncommitted (the stage then checks whether it caught up). */
  idle?(): void
  /** The source's default collation of each character set: DDL naming a character set alone gets it. */
  sourceCollations?: ReadonlyMap<string, string>
}

export interface Applier {
  /** Takes the next reader item in binlog order; resolves once it is queued (or, for a DDL, applied). */
  dispatch(item: Exclude<ReaderItem, { kind: 'error' }>, signal: AbortSignal): Promise<void>
  /** Waits until everything dispatched is committed, then writes the checkpoint. */
  drain(): Promise<void>
  /** Position up to which every transaction is committed on the target. */
  readonly applied: BinlogPosition
  /** Source time of the oldest transaction not yet committed on the target, or null when none is pending. */
  readonly oldestPendingTimestamp: number | null
  readonly rowsApplied: number
  readonly pending: number
  close(): Promise<void>
}

interface WorkItem extends PlannerInput {
  /** Every key the change touches (old and new image): what causality holds while it is in flight. */
  keys: string[]
  seq: number
  /** A change of a transaction that changes a key-less table: that transaction's end (keylessCheckpoint.ts). */
  keylessEnd?: BinlogPosition
}

interface TxnRecord {
  end: BinlogPosition | null
  remaining: number
  timestamp: number
  trackedSchema?: string
}

const duplicateKeyErrnos = new Set([1062, 1586])

/** How long `close()` waits for batches in flight to commit. */
const closeWaitMs = 5000

export function createApplier(options: ApplierOptions): Applier {
  const batchRows = options.batchRows ?? 2000
  const maxWorkerQueue = batchRows * 4
  const causality = createCausality()
  const copy = createCopyFilter(options.copiedAt ?? new Map(), options.initial)
  const keylessApplied = options.keylessApplied ?? null
  const keylessWorker = 0
  let keylessTableReady = false
  const records = new Map<number, TxnRecord>()
  let nextSeq = 0
  let checkpointSeq = 0
  let applied: BinlogPosition = options.initial
  let appliedSchema: string | undefined
  let savedApplied: BinlogPosition | null = options.initial
  let rowsApplied = 0
  let failure: CutoverError | null = null
  let lastDispatchedEnd: BinlogPosition | null = null
  // Parts of a large transaction were dispatched and its end is not read yet.
  let openTransaction = false
  let waiters: (() => void)[] = []
  const notify = () => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  }
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve))

  function checkFailure(): void {
    if (failure) throw failure
  }

  // -------------------------------------------------------------------------------------------------------------
  // Checkpoints

  function advance(): void {
    for (;;) {
      const r = records.get(checkpointSeq)
      if (!r || r.remaining > 0) break
      if (r.end) applied = r.end
      if (r.trackedSchema !== undefined) appliedSchema = r.trackedSchema
      records.delete(checkpointSeq)
      checkpointSeq++
    }
  }

  function saveCheckpoint(): void {
    if (savedApplied === applied && appliedSchema === undefined) return
    options.store.saveAppliedCheckpoint(options.jobId, applied, appliedSchema)
    savedApplied = applied
    appliedSchema = undefined
  }
  const checkpointTimer = setInterval(() => {
    try {
      saveCheckpoint()
    } catch (error) {
      failure ??= new CutoverError({
        code: 'REPLICATE_CHECKPOINT_FAILED',
        stage: 'incremental',
        message: `Saving the checkpoint failed: ${(error as Error).message}`,
        workaround: 'Check the disk holding the job store, then resume the job.',
      })
    }
  }, options.checkpointEveryMs ?? 250)

  // -------------------------------------------------------------------------------------------------------------
  // Workers

  interface Worker {
    queue: WorkItem[]
    busy: boolean
    session: SqlSession | null
  }
  const workers: Worker[] = Array.from({ length: Math.max(1, options.workers) }, () => ({
    queue: [],
    busy: false,
    session: null,
  }))
  let closed = false

  const maxLockRetries = 20

  async function runWorker(w: Worker): Promise<void> {
    if (w.busy || w.queue.length === 0 || failure || closed) return
    w.busy = true
    try {
      while (w.queue.length > 0 && !failure && !closed) {
        let size = Math.min(batchRows, w.queue.length)
        // A key-less transaction's changes commit together with its checkpoint: never split over two batches.
        while (size < w.queue.length && w.queue[size]!.keylessEnd && w.queue[size]!.seq === w.queue[size - 1]!.seq)
          size++
        const batch = w.queue.slice(0, size)
        if (!w.session) {
          const session = await options.openWriter()
          // Closed while this writer connected: close() did not see it, so it is closed here.
          if (closed) return void (await session.close().catch(() => undefined))
          w.session = session
        }
        // Queued in binlog order on one worker: the last key-less end in the batch is the newest.
        const keylessEnd = batch.reduce<BinlogPosition | null>((end, item) => item.keylessEnd ?? end, null)
        if (keylessEnd && !keylessTableReady) {
          await createKeylessCheckpointTable(w.session)
          keylessTableReady = true
        }
        await applyBatch(
          w.session,
          batch,
          keylessEnd ? keylessCheckpointStatement(options.jobId, keylessEnd) : undefined,
        )
        w.queue.splice(0, batch.length)
        for (const item of batch) {
          causality.release(item.keys)
          const r = records.get(item.seq)
          if (r) r.remaining -= 1
        }
        rowsApplied += batch.length
        advance()
        notify()
        if (records.size === 0) options.idle?.()
      }
    } catch (error) {
      failure ??= markSide(applyError(error, lastDispatchedEnd), 'target')
      // Other workers may have committed later changes than the checkpoint: the replay runs in safe mode up to
      // the last dispatched transaction, whatever stopped this one.
      if (lastDispatchedEnd) options.store.saveSafeUntil(options.jobId, lastDispatchedEnd)
      notify()
    } finally {
      w.busy = false
    }
  }

  async function applyBatch(
    session: SqlSession,
    batch: WorkItem[],
    /** Run in the same target transaction, after the batch's statements. */
    alsoRun?: { sql: string; params: unknown[] },
  ): Promise<void> {
    const statements = planStatements(batch, options.maxAllowedPacket, { targetIsTidb: options.target.isTidb })
    for (let attempt = 1; ; attempt++) {
      await session.query('START TRANSACTION')
      try {
        for (const s of statements) {
          try {
            // As bytes, past mysql2's query(): it would scan the whole statement for `?` placeholders.
            const warnings = await executeRaw(session, Buffer.from(s.sql, 'utf8'))
            // A warning can mean a stored value differs from the source's (targetWarnings.ts).
            const failure = warnings > 0 ? await warningsFailure(session, 'replicated change', warnings) : null
            if (failure) throw replicatedWarningsError(s.table, failure)
          } catch (error) {
            ;(error as { cutoverTable?: TableRef }).cutoverTable = s.table
            throw error
          }
        }
        if (alsoRun) await session.query(alsoRun.sql, alsoRun.params)
        await session.query('COMMIT')
        return
      } catch (error) {
        await session.query('ROLLBACK').catch(() => undefined)
        // A deadlock or lock wait timeout rolled the whole transaction back; the batch holds no conflicting
        // keys with other workers' (causality), so running it again is correct. Only locks on neighbouring
        // index entries (REPLACE, unique secondary keys) collide, and a short random wait separates them.
        const errno = (error as { errno?: number }).errno
        if ((errno !== 1213 && errno !== 1205) || attempt >= maxLockRetries) throw error
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt))
      }
    }
  }

  function pickWorker(): number {
    let best = 0
    for (let i = 1; i < workers.length; i++) if (workers[i]!.queue.length < workers[best]!.queue.length) best = i
    return best
  }

  /** Queues the change on a worker causality allows, if that worker has room; false when it must wait. */
  function place(item: WorkItem): boolean {
    const route = causality.route(item.keys)
    if (route.kind === 'conflict') return false
    const index = route.kind === 'worker' ? route.worker : pickWorker()
    const w = workers[index]!
    if (w.queue.length >= maxWorkerQueue) return false
    causality.acquire(item.keys, index)
    w.queue.push(item)
    return true
  }

  function workItem(change: RowChange, seq: number, safe: boolean): WorkItem {
    const beforeKeys = rowKeys(change.ref, change.columns, change.table.uniqueKeys, change.before)
    const afterKeys = rowKeys(change.ref, change.columns, change.table.uniqueKeys, change.after)
    const keys =
      change.kind === 'update'
        ? sameKeys(beforeKeys, afterKeys)
          ? beforeKeys
          : [...new Set([...beforeKeys, ...afterKeys])]
        : change.before
          ? beforeKeys
          : afterKeys
    return { change, beforeKeys, afterKeys, keys, seq, safe }
  }

  /**
   * The changes of a transaction that changes a key-less table, queued together on the one worker that applies
   * such transactions: in binlog order, each committed in one target transaction with its end as the key-less
   * checkpoint (runWorker), so that after a restart every such transaction up to that end is known to be applied.
   */
  async function placeKeyless(items: WorkItem[]): Promise<void> {
    const w = workers[keylessWorker]!
    for (;;) {
      checkFailure()
      const allowed = items.every((item) => {
        const route = causality.route(item.keys)
        return route.kind === 'free' || (route.kind === 'worker' && route.worker === keylessWorker)
      })
      if (allowed && (w.queue.length === 0 || w.queue.length + items.length <= maxWorkerQueue)) {
        for (const item of items) {
          causality.acquire(item.keys, keylessWorker)
          w.queue.push(item)
        }
        return
      }
      for (const x of workers) void runWorker(x)
      await changed()
    }
  }

  async function dispatchChange(item: WorkItem): Promise<void> {
    for (;;) {
      checkFailure()
      if (place(item)) return
      // Wait for a commit: it releases keys and frees queue space.
      for (const w of workers) void runWorker(w)
      await changed()
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      for (const w of workers) void runWorker(w)
      checkFailure()
      if (workers.every((w) => w.queue.length === 0 && !w.busy)) break
      await changed()
    }
    advance()
    saveCheckpoint()
  }

  /**
   * A replicated DDL as the target runs it: the source's collations written out, TiDB's dialect (which may make it
   * several statements, or none), the schema stage's type and collation mappings. Every change is logged.
   */
  async function targetStatements(statement: string, tables: TableRef[]): Promise<string[]> {
    const withCollations = options.sourceCollations
      ? withSourceCollations(statement, options.sourceCollations)
      : statement
    // A DROP of a column TiDB has in a composite index is rebuilt around it, from the target's own indexes.
    const indexes =
      options.target.isTidb && tables.length === 1 && /\bDROP\b/i.test(statement)
        ? await readTargetIndexes(options.control, tables[0]!)
        : []
    const dialect = options.target.isTidb
      ? toTidbDialect(withCollations, indexes)
      : { statements: [withCollations], rewrites: [] }
    for (const r of dialect.rewrites)
      options.log('info', `DDL rewrite for TiDB: ${r}. Statement: ${statement.slice(0, 200)}`, 'REPLICATE_DDL_REWRITE')
    return dialect.statements.map((sql) => {
      if (/^\s*CREATE\s+(OR\s+REPLACE\s+)?TABLE\b/i.test(sql) && !/\bLIKE\b/i.test(sql.slice(0, 400))) {
        const rewritten = rewriteCreateTable(sql, options.target)
        for (const r of rewritten.rewrites)
          options.log('info', `DDL rewrite on ${r.object}: ${r.before} → ${r.after} (${r.reason}).`, r.code)
        return rewritten.sql
      }
      const rewritten = rewriteCollations(sql, options.target)
      for (const r of rewritten.rewrites) {
        options.log(
          'info',
          `DDL rewrite: ${r.before} → ${r.after} (the target has no collation ${r.before}: ${collationChange(r.before, r.after)}). ${statement.slice(0, 200)}`,
          'SCHEMA_COLLATION',
        )
      }
      return rewritten.sql
    })
  }

  /**
   * A DDL right after the checkpoint this run started from may have run on the target already: a lost connection
   * cut it after the target applied it, or the job stopped before its checkpoint. True when the target shows
   * everything the DDL changes (ddlMarks); a DDL whose effect cannot be seen that way is run again.
   */
  async function alreadyApplied(item: Extract<ReaderItem, { kind: 'ddl' }>, statements: string[]): Promise<boolean> {
    if (dispatchedAny || !options.initialSchema) return false
    const before = JSON.parse(options.initialSchema) as TrackedTable[]
    const after = JSON.parse(item.trackedSchema) as TrackedTable[]
    const online = item.effect.online
    // A tool's cut-over shows as its ALTERs on the real table; the shadow is never on the target.
    const marks = online
      ? statements
          .flatMap((sql) => ddlMarks(before, after, sql, item.defaultSchema))
          .filter((m) => !('ref' in m) || m.ref.schema !== online.shadow.schema || m.ref.name !== online.shadow.name)
      : ddlMarks(before, after, item.effect.statement, item.defaultSchema)
    if (marks.length === 0) return false
    return (await marksShown(options.control, marks)).every(Boolean)
  }

  async function executeDdl(sql: string, end: BinlogPosition): Promise<void> {
    try {
      // A replicated ALTER may rebuild a large table: no query timeout.
      await options.control.runLong(sql)
    } catch (error) {
      // Cut by a lost connection: the target may or may not have applied it, which the next run checks first.
      if (isTransient(error)) {
        throw markSide(
          new CutoverError({
            code: 'REPLICATE_DDL_INTERRUPTED',
            stage: 'incremental',
            retryable: true,
            message: `The connection to the target was lost while it ran a DDL from the binlog (${(error as Error).message}); whether it took effect is checked before it runs again. Statement: ${sql.slice(0, 300)}`,
            workaround:
              'Cutover reconnects by itself; if this persists, check the network path to the target, then resume the job.',
          }),
          'target',
        )
      }
      const errno = (error as { errno?: number }).errno ?? 0
      // Replayed after a crash between the DDL and its checkpoint: the target already has it.
      const alreadyDone = new Set([1050, 1060, 1061, 1068, 1091, 1051, 1146, 1007, 1008])
      if (options.safeMode.appliesTo(end) && alreadyDone.has(errno)) {
        options.log(
          'warning',
          `DDL already applied on the target (replay in safe mode): ${(error as Error).message}`,
          'REPLICATE_DDL_ALREADY_APPLIED',
        )
      } else {
        throw new CutoverError({
          code: 'REPLICATE_DDL_FAILED',
          stage: 'incremental',
          message: `The target refused a DDL from the binlog: ${(error as Error).message}. Statement: ${sql.slice(0, 300)}`,
          workaround:
            'Run an equivalent statement on the target by hand (or fix what blocks it), then resume the job; the DDL is retried first.',
        })
      }
    }
  }

  async function applyDdl(item: Extract<ReaderItem, { kind: 'ddl' }>): Promise<void> {
    const { effect } = item
    const control = options.control
    if (effect.online?.kind === 'record') {
      const { tool, table, shadow } = effect.online
      options.log(
        'info',
        `${tool}: ${shadow.schema}.${shadow.name} is the shadow of ${table.schema}.${table.name}; its DDL is recorded, not run on the target (its ALTERs run on ${table.name} at the cut-over): ${effect.statement.slice(0, 200)}`,
        'REPLICATE_ONLINE_DDL_RECORDED',
      )
      return void (pendingSchema = item.trackedSchema)
    }
    if (item.defaultSchema) await control.query(`USE ${quoteIdentifier(item.defaultSchema)}`).catch(() => undefined)
    // The DBA's decision on this DDL, taken after it stopped the job: skip it, or run their statements instead.
    const blocked = options.store.blockedDdl(options.jobId)
    const decided =
      blocked?.action && blocked.at.file === item.end.file && blocked.at.position === item.end.position ? blocked : null
    let statements: string[]
    try {
      statements = decided
        ? decided.replacement
        : effect.online?.kind === 'cutover'
          ? await cutOverStatements(item)
          : await targetStatements(effect.statement, effect.tables)
      if (decided) {
        options.log(
          'warning',
          decided.action === 'skip'
            ? `DDL at ${item.end.file}:${item.end.position} skipped, as decided: ${effect.statement.slice(0, 200)}`
            : `DDL at ${item.end.file}:${item.end.position} replaced, as decided, by: ${statements.join('; ').slice(0, 400)}`,
          decided.action === 'skip' ? 'REPLICATE_DDL_SKIPPED' : 'REPLICATE_DDL_REPLACED',
        )
      }
      await runDdl(item, statements, decided !== null)
    } catch (error) {
      // A DDL the target refuses, or that has no faithful form there, waits for the DBA's decision.
      if (
        error instanceof CutoverError &&
        ['REPLICATE_DDL_FAILED', 'REPLICATE_DDL_UNSUPPORTED', 'REPLICATE_ONLINE_DDL_UNKNOWN'].includes(error.code)
      ) {
        options.store.saveBlockedDdl(options.jobId, {
          at: { file: item.end.file, position: item.end.position },
          statement: effect.statement,
          reason: error.message,
        })
        throw new CutoverError({
          ...error.toShape(),
          workaround: `${error.workaround} Or skip this DDL, or replace it with statements the target accepts (Skip / Replace on the job page; cutover skip-ddl / cutover replace-ddl), then resume the job.`,
        })
      }
      throw error
    }
    if (decided) options.store.clearBlockedDdl(options.jobId)
    let trackedSchema = item.trackedSchema
    if (effect.keysChanged.length > 0) {
      const snapshot = JSON.parse(trackedSchema) as { ref: TableRef; uniqueKeys: UniqueKey[] }[]
      for (const ref of effect.keysChanged) {
        const keys = await readUniqueKeys(control, ref)
        options.keysChanged(ref, keys)
        const t = snapshot.find((s) => s.ref.schema === ref.schema && s.ref.name === ref.name)
        if (t) t.uniqueKeys = keys
      }
      trackedSchema = JSON.stringify(snapshot)
    }
    if (effect.online?.kind === 'cutover' && !decided) {
      const { tool, table, shadow } = effect.online
      options.log(
        'info',
        `${tool} cut-over at ${item.end.file}:${item.end.position}: ${shadow.schema}.${shadow.name} became ${table.schema}.${table.name}; ${statements.length === 0 ? "the shadow's schema equals the table's, so the swap changes nothing on the target" : `applied to ${table.schema}.${table.name} on the target: ${statements.join('; ').slice(0, 400)}`}. Statement: ${effect.statement.slice(0, 200)}`,
        'REPLICATE_ONLINE_DDL_APPLIED',
      )
    } else {
      options.log(
        'info',
        `Applied DDL at ${item.end.file}:${item.end.position}: ${effect.statement.slice(0, 200)}`,
        'REPLICATE_DDL_APPLIED',
      )
    }
    return void (pendingSchema = trackedSchema)
  }

  /**
   * A tool's cut-over as the target runs it: the ALTERs recorded on the shadow, on the real table, each through
   * the same rewrites as any replicated DDL. Unknown ALTERs (the shadow predates the job) stop the job.
   */
  async function cutOverStatements(item: Extract<ReaderItem, { kind: 'ddl' }>): Promise<string[]> {
    const online = item.effect.online as Extract<OnlineDdlStep, { kind: 'cutover' }>
    const { tool, table, shadow } = online
    if (online.statements === null) {
      throw new CutoverError({
        code: 'REPLICATE_ONLINE_DDL_UNKNOWN',
        stage: 'incremental',
        message: `${tool} swapped ${shadow.schema}.${shadow.name} in for ${table.schema}.${table.name}, but the shadow existed before the job's start position, so the ALTER run on it was never seen, and its columns or unique keys differ from the table's: the target's table cannot be changed the same way without guessing. Statement: ${item.effect.statement.slice(0, 200)}`,
        workaround: `Replace this DDL with the ALTER the tool ran, written for ${table.schema}.${table.name} (cutover replace-ddl <job> --sql "ALTER TABLE ${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)} …", or Replace on the job page); or skip it if the target's table already has that schema (cutover skip-ddl <job>); or start a new job from a fresh snapshot once the tool has finished.`,
      })
    }
    const out: string[] = []
    for (const sql of online.statements) out.push(...(await targetStatements(sql, [table])))
    return out
  }

  /** Runs a DDL's target statements, unless the target already has its effect (a copy or an earlier run). */
  async function runDdl(item: Extract<ReaderItem, { kind: 'ddl' }>, statements: string[], decided: boolean) {
    const { effect } = item
    if (effect.tables.length > 0 && effect.tables.every((t) => copy.holds(`${t.schema}.${t.name}`, item.end))) {
      options.log(
        'info',
        `DDL at ${item.end.file}:${item.end.position} skipped on the target: ${effect.tables.map((t) => `${t.schema}.${t.name}`).join(', ')} ${effect.tables.length === 1 ? 'was' : 'were'} copied after it, with its effect. ${effect.statement.slice(0, 200)}`,
        'REPLICATE_DDL_IN_COPY',
      )
    } else if (!decided && (await alreadyApplied(item, statements))) {
      options.log(
        'warning',
        `DDL already applied on the target (its tables, columns and indexes are there as the DDL leaves them), skipped: ${effect.statement.slice(0, 200)}`,
        'REPLICATE_DDL_ALREADY_APPLIED',
      )
    } else for (const sql of statements) await executeDdl(sql, item.end)
  }

  let pendingSchema: string | undefined
  /** Whether anything after the start position was dispatched (a DDL then no longer follows the checkpoint). */
  let dispatchedAny = false

  return {
    async dispatch(item, signal) {
      if (signal.aborted) return
      checkFailure()
      if (item.kind === 'heartbeat') {
        // Idle source: once everything before it is committed, the heartbeat's position is applied too.
        if (records.size === 0 && item.file) {
          const at = { file: item.file, position: item.position, gtidSet: applied.gtidSet }
          if (at.file !== applied.file || at.position > applied.position) {
            const seq = nextSeq++
            records.set(seq, { end: at, remaining: 0, timestamp: Date.now() })
            advance()
          }
        }
        return
      }
      if (item.kind === 'ddl') {
        await drain()
        const seq = nextSeq++
        records.set(seq, { end: item.end, remaining: 1, timestamp: item.timestamp })
        await applyDdl(item)
        dispatchedAny = true
        const r = records.get(seq)!
        r.remaining = 0
        r.trackedSchema = pendingSchema
        pendingSchema = undefined
        lastDispatchedEnd = item.end
        copy.passed(item.end)
        advance()
        saveCheckpoint()
        return
      }
      const seq = nextSeq++
      dispatchedAny = true
      const safe = options.safeMode.appliesTo(item.end)
      // Changes a table's copy already holds (it was read at a later snapshot) are not applied again.
      let changes = copy.active
        ? item.changes.filter((c) => !copy.holds(`${c.ref.schema}.${c.ref.name}`, item.at))
        : item.changes
      // A part of a large transaction (no end yet) goes the usual way: it cannot wait for its end to be read.
      let keyless = item.end !== null && changes.some((c) => !identifiesRows(c.table))
      if (keyless && keylessApplied && comparePositions(item.end!, keylessApplied) <= 0) {
        // Committed before the last stop, with the key-less checkpoint: only the keyed changes are replayed.
        changes = changes.filter((c) => identifiesRows(c.table))
        keyless = false
      }
      records.set(seq, { end: item.end, remaining: changes.length, timestamp: item.timestamp })
      openTransaction = item.end === null
      if (item.end) {
        lastDispatchedEnd = item.end
        copy.passed(item.end)
      }
      if (keyless)
        await placeKeyless(changes.map((change) => ({ ...workItem(change, seq, safe), keylessEnd: item.end! })))
      else
        for (const change of changes) {
          const work = workItem(change, seq, safe)
          // Only a change that must wait costs a promise.
          if (failure || !place(work)) await dispatchChange(work)
        }
      advance()
      for (const w of workers) if (w.queue.length >= batchRows / 4 || !w.busy) void runWorker(w)
    },
    drain,
    get applied() {
      return applied
    },
    get oldestPendingTimestamp() {
      const r = records.get(checkpointSeq)
      return r ? r.timestamp : null
    },
    get rowsApplied() {
      return rowsApplied
    },
    get pending() {
      return records.size
    },
    async close() {
      closed = true
      clearInterval(checkpointTimer)
      // A batch in flight (the stage stopped for the source's sake, say) commits first, so that the checkpoint
      // covers it: replayed, it would duplicate the rows of a table without a key. Bounded: its target may be gone.
      const deadline = Date.now() + closeWaitMs
      while (workers.some((w) => w.busy) && Date.now() < deadline)
        await Promise.race([changed(), new Promise((r) => setTimeout(r, 100))])
      try {
        advance()
        saveCheckpoint()
        // Stopped between the parts of a large transaction: its first parts are committed, the checkpoint is before
        // it, so the next start replays them, in safe mode up to the transaction's end (safeMode.ts).
        if (openTransaction && !failure && applied.file) options.store.saveSafeUntil(options.jobId, applied)
      } finally {
        await Promise.all(workers.map((w) => w.session?.close().catch(() => undefined)))
      }
    },
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i])
}

function applyError(error: unknown, lastEnd: BinlogPosition | null): CutoverError {
  if (error instanceof CutoverError) return error
  const e = error as { errno?: number; code?: string; message?: string; sqlMessage?: string; cutoverTable?: TableRef }
  const table = e.cutoverTable ? `${e.cutoverTable.schema}.${e.cutoverTable.name}` : 'a table'
  const text = e.sqlMessage ?? e.message ?? String(error)
  if (e.errno !== undefined && duplicateKeyErrnos.has(e.errno)) {
    return new CutoverError({
      code: 'REPLICATE_DUPLICATE_KEY',
      stage: 'incremental',
      message: `Applying a change to ${table} hit a duplicate key on the target: ${text}. The target already has a row the source does not (at this point of the binlog${lastEnd ? `, up to ${lastEnd.file}:${lastEnd.position}` : ''}).`,
      workaround:
        'Make sure the source data is right. Then Restart the job: it replays from its checkpoint in safe mode up to this transaction, replacing the conflicting target rows with the source rows.',
    })
  }
  if (isEntryTooLarge(e)) {
    return new CutoverError({
      code: 'REPLICATE_ENTRY_TOO_LARGE',
      stage: 'incremental',
      message: `Applying a change to ${table} failed: the target refused a row as too large: ${text} (error ${e.errno ?? entryTooLargeErrno}).`,
      workaround: entryTooLargeWorkaround(text),
    })
  }
  // A statement timed out (a target that stopped answering) counts as lost: its connection is gone.
  return new CutoverError({
    code: 'REPLICATE_APPLY_FAILED',
    stage: 'incremental',
    retryable: isTransient(e),
    message: `Applying changes to ${table} failed on the target: ${text}${e.errno ? ` (error ${e.errno})` : ''}.`,
    workaround: 'Fix the cause named above and resume the job; it continues from its last checkpoint.',
  })
}

/**
 * The schema stage's collation mapping, for statements other than CREATE TABLE (ALTER … ADD/MODIFY …, CONVERT TO):
 * a collation the target lacks becomes the one the schema stage would pick, and each change is returned to be
 * recorded.
 */
function rewriteCollations(
  sql: string,
  target: TargetCapabilities,
): { sql: string; rewrites: { before: string; after: string }[] } {
  const rewrites: { before: string; after: string }[] = []
  const tokens = tokenize(sql)
  for (let i = 0, previous = -1; i < tokens.length; i++) {
    const t = tokens[i]!
    if (!isSignificant(t)) continue
    const collate = previous >= 0 && isWord(tokens[previous], 'COLLATE')
    const afterEquals =
      previous >= 0 &&
      isPunct(tokens[previous], '=') &&
      isWord(tokens.slice(0, previous).findLast(isSignificant), 'COLLATE')
    previous = i
    if (!(collate || afterEquals) || (t.kind !== 'word' && t.kind !== 'quoted')) continue
    const before = identifierName(t).toLowerCase()
    const after = targetCollation(before, target, 'a replicated DDL')
    if (after === before) continue
    rewrites.push({ before, after })
    tokens[i] = { kind: 'word', text: after }
  }
  return { sql: tokens.map((t) => t.text).join(''), rewrites }
}

/** The indexes of one target table, in key order (expression parts have no column and are left out). */
async function readTargetIndexes(control: SqlSession, ref: TableRef): Promise<TargetIndex[]> {
  const rows = await control.query<{
    name: string
    nonUnique: number | string
    col: string | null
    sub: number | null
  }>(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SUB_PART AS sub
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [ref.schema, ref.name],
  )
  const out = new Map<string, TargetIndex>()
  for (const r of rows) {
    const index = out.get(r.name) ?? {
      name: r.name,
      unique: Number(r.nonUnique) === 0,
      primary: r.name === 'PRIMARY',
      columns: [],
    }
    if (r.col !== null) index.columns.push({ name: r.col, subPart: r.sub === null ? null : Number(r.sub) })
    out.set(r.name, index)
  }
  return [...out.values()]
}
