/**
 * Applies the binlog's row changes to the target with N parallel workers. The dispatcher reads transactions in
 * binlog order and gives each source transaction, whole, to a worker chosen by causality (causality.ts,
 * txnGrouping.ts): changes to one key stay on one worker, in order; a transaction whose keys are in flight on
 * several workers waits until they are on one at most; the parts of a large transaction follow its first part.
 * Each worker turns what it holds into multi-row statements (sized by `createBatcher`, values by
 * `encodeSqlLiteral`) and commits only at a source transaction's end, so a reader of the target never sees half
 * of one; several small ones share a target transaction. Only a transaction over the target transaction cap is
 * committed in parts (logged). A DDL is a barrier: every worker drains, the DDL runs with the schema stage's
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
import type { PlannedStatement, PlannerInput } from './statementPlanner'
import { planStatements } from './statementPlanner'
import type { BinlogPoint, SafeMode } from './safeMode'
import { comparePositions } from './safeMode'
import { createCopyFilter } from './copiedTables'
import { createKeylessCheckpointTable, keylessCheckpointStatement } from './keylessCheckpoint'
import { chunkLength, defaultTxnCapBytes, rowBytes, unitWorker, type GroupUnit } from './txnGrouping'
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
  /** Rows per statement chunk, and per target transaction grouping small source transactions. */
  batchRows?: number
  /** Row data beyond which a source transaction is committed in several target transactions (readTxnCapBytes). */
  txnCapBytes?: number
  /** Milliseconds between checkpoint writes. */
  checkpointEveryMs?: number
  /** How long a part of an open source transaction waits for another worker before its earlier parts commit. */
  splitWaitMs?: number
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
  /** Every key the change touches (old and new image). */
  keys: string[]
}

/** One reader item's changes, queued on one worker: a whole source transaction, or one part of a large one. */
interface Unit extends GroupUnit {
  seq: number
  items: WorkItem[]
  /** The distinct keys of its changes: what causality holds while it is in flight. */
  keys: string[]
  /** The source transaction it belongs to (the seq of its first unit). */
  txn: number
  /** Where the transaction before it ended; `at`: where this unit's last event ends. */
  after: BinlogPosition
  at: BinlogPosition
  /** The end of a transaction that changes a key-less table, committed with it (keylessCheckpoint.ts). */
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
  const txnCapBytes = options.txnCapBytes ?? defaultTxnCapBytes
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
  // Parts of a large transaction were dispatched and its end is not read yet: the worker they went to.
  let openTxn: { worker: number; txn: number; after: BinlogPosition; keyless: boolean } | null = null
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
    queue: Unit[]
    /** Row changes in `queue`. */
    queuedRows: number
    busy: boolean
    /** Its target transaction holds the first parts of a large source transaction and waits for the next. */
    waitingForPart: boolean
    /** Commit what it holds of that transaction now: its next part waits for another worker (dispatchUnit). */
    splitRequested: boolean
    session: SqlSession | null
  }
  const workers: Worker[] = Array.from({ length: Math.max(1, options.workers) }, () => ({
    queue: [],
    queuedRows: 0,
    busy: false,
    waitingForPart: false,
    splitRequested: false,
    session: null,
  }))
  let closed = false

  const maxLockRetries = 20
  const splitWaitMs = options.splitWaitMs ?? 1000

  /** A worker's target transaction: the statements it ran (run again after a deadlock) and the units they apply. */
  interface OpenTarget {
    active: boolean
    statements: PlannedStatement[]
    units: Unit[]
    bytes: number
  }

  async function runWorker(w: Worker): Promise<void> {
    if (w.busy || w.queue.length === 0 || failure || closed) return
    w.busy = true
    const open: OpenTarget = { active: false, statements: [], units: [], bytes: 0 }
    try {
      while (!failure && !closed) {
        if (w.queue.length === 0) {
          if (open.units.length === 0) break
          if (w.splitRequested) {
            // Its next part waits for another worker, which may wait for a lock this transaction holds.
            w.splitRequested = false
            await commit(w, open, 'wait')
            continue
          }
          // Between the parts of a large source transaction: the reader's next item is its next part.
          w.waitingForPart = true
          // A drain waiting for this worker counts it as drained now.
          notify()
          await changed()
          w.waitingForPart = false
          continue
        }
        if (!w.session) {
          const session = await options.openWriter()
          // Closed while this writer connected: close() did not see it, so it is closed here.
          if (closed) return void (await session.close().catch(() => undefined))
          w.session = session
        }
        const n = chunkLength(w.queue, open.bytes, batchRows, txnCapBytes)
        if (n === 0) {
          // The next part would take the target transaction over the cap: the source transaction is split here.
          await commit(w, open, 'cap')
          continue
        }
        const chunk = w.queue.splice(0, n)
        for (const unit of chunk) w.queuedRows -= unit.items.length
        const statements = planStatements(
          chunk.flatMap((unit) => unit.items),
          options.maxAllowedPacket,
          { targetIsTidb: options.target.isTidb },
        )
        await runInTarget(w.session, open, statements)
        open.units.push(...chunk)
        open.bytes += chunk.reduce((sum, unit) => sum + unit.bytes, 0)
        // A source transaction's end: whatever the chunk holds is whole source transactions.
        if (chunk.at(-1)!.last) await commit(w, open, null)
      }
    } catch (error) {
      failure ??= markSide(applyError(error, lastDispatchedEnd), 'target')
      // Other workers may have committed later changes than the checkpoint: the replay runs in safe mode up to
      // the last dispatched transaction, whatever stopped this one.
      if (lastDispatchedEnd) options.store.saveSafeUntil(options.jobId, lastDispatchedEnd)
      notify()
    } finally {
      w.waitingForPart = false
      w.splitRequested = false
      // Stopped inside a source transaction: what it ran of it is rolled back, the checkpoint is before it. After a
      // failure the connection may be dead (a black-holed target answers nothing): it is closed instead, which rolls
      // the transaction back on the server, so the failure reaches the stage without waiting on it.
      if (open.active && w.session) {
        if (failure) {
          const broken = w.session
          w.session = null
          void broken.close().catch(() => undefined)
        } else await w.session.query('ROLLBACK').catch(() => undefined)
      }
      w.busy = false
      // A drain that saw this worker busy after its last commit's notice waits for this one.
      notify()
    }
  }

  /**
   * Runs statements in the worker's target transaction, beginning it when none is open. A deadlock or lock wait
   * timeout rolled the whole transaction back; its units hold no keys other workers' do (causality), so running
   * all of its statements again is correct. Only locks on neighbouring index entries (REPLACE, unique secondary
   * keys) collide, and a short random wait separates them.
   */
  async function runInTarget(
    session: SqlSession,
    open: OpenTarget,
    statements: PlannedStatement[],
    /** Run after the statements, then commit. */
    finish?: { alsoRun?: { sql: string; params: unknown[] } },
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!open.active) {
          await session.query('START TRANSACTION')
          open.active = true
          await runStatements(session, open.statements)
        }
        await runStatements(session, statements)
        open.statements.push(...statements)
        if (finish) {
          if (finish.alsoRun) await session.query(finish.alsoRun.sql, finish.alsoRun.params)
          await session.query('COMMIT')
          open.active = false
          open.statements = []
        }
        return
      } catch (error) {
        open.active = false
        await session.query('ROLLBACK').catch(() => undefined)
        const errno = (error as { errno?: number }).errno
        if ((errno !== 1213 && errno !== 1205) || attempt >= maxLockRetries) throw error
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt))
      }
    }
  }

  async function runStatements(session: SqlSession, statements: PlannedStatement[]): Promise<void> {
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
  }

  /**
   * Commits the worker's target transaction; `split`: in the middle of a source transaction, because the next part
   * would take it over the cap, or because the next part waits for another worker.
   */
  async function commit(w: Worker, open: OpenTarget, split: 'cap' | 'wait' | null): Promise<void> {
    const units = open.units
    // Queued in binlog order on one worker: the last key-less end in the transaction is the newest.
    const keylessEnd = units.reduce<BinlogPosition | null>((end, unit) => unit.keylessEnd ?? end, null)
    if (keylessEnd && !keylessTableReady) {
      await createKeylessCheckpointTable(w.session!)
      keylessTableReady = true
    }
    if (split) logSplit(units, split)
    await runInTarget(w.session!, open, [], {
      alsoRun: keylessEnd ? keylessCheckpointStatement(options.jobId, keylessEnd) : undefined,
    })
    open.units = []
    open.bytes = 0
    let rows = 0
    for (const unit of units) {
      causality.release(unit.keys)
      const r = records.get(unit.seq)
      if (r) r.remaining -= unit.items.length
      rows += unit.items.length
    }
    rowsApplied += rows
    advance()
    notify()
    if (records.size === 0) options.idle?.()
  }

  /** Source transactions split over target transactions, logged once each. */
  const splitLogged = new Set<number>()
  function logSplit(units: Unit[], why: 'cap' | 'wait'): void {
    const last = units.at(-1)!
    if (splitLogged.has(last.txn)) return
    splitLogged.add(last.txn)
    const parts = units.filter((u) => u.txn === last.txn)
    const rows = parts.reduce((sum, u) => sum + u.items.length, 0)
    const bytes = parts.reduce((sum, u) => sum + u.bytes, 0)
    const mib = (b: number) => (b / 1024 / 1024).toFixed(1)
    const first = `its first ${rows} row changes (${mib(bytes)} MiB, up to ${last.at.file}:${last.at.position}) are committed now, the rest in further target transactions on the same worker. Until its end, readers of the target see part of it; a resume before its end replays it in safe mode.`
    options.log(
      'warning',
      why === 'cap'
        ? `The source transaction after ${last.after.file}:${last.after.position} is larger than one target transaction may be (${mib(txnCapBytes)} MiB of row data): ${first}`
        : `The source transaction after ${last.after.file}:${last.after.position} has rows that another writer's earlier transaction still holds, and that writer may be waiting for a lock this transaction holds on the target (a unique index's gap): ${first}`,
      'REPLICATE_TXN_SPLIT',
    )
  }

  function leastLoaded(): number {
    let best = 0
    for (let i = 1; i < workers.length; i++) if (workers[i]!.queuedRows < workers[best]!.queuedRows) best = i
    return best
  }

  /** Queues a unit on a worker causality allows (`forced`: that one), if it has room; its worker, or null. */
  function place(unit: Unit, forced: number | null): number | null {
    const index = unitWorker(causality.route(unit.keys), forced, leastLoaded)
    if (index === null) return null
    const w = workers[index]!
    if (w.queuedRows > 0 && w.queuedRows + unit.items.length > maxWorkerQueue) return null
    causality.acquire(unit.keys, index)
    w.queue.push(unit)
    w.queuedRows += unit.items.length
    if (w.waitingForPart) notify()
    return index
  }

  /**
   * Places a unit, waiting for commits (they release keys and free queue space) until it can go. A part of a source
   * transaction whose worker holds its earlier parts open, waiting on another worker for longer than
   * `splitWaitMs`, has those parts committed first: the other worker may be waiting for a lock they hold (on a
   * MariaDB target a duplicate-key check locks the gap before a unique index entry), and neither would move until
   * the target's lock wait timeout.
   */
  async function dispatchUnit(unit: Unit, forced: number | null): Promise<number> {
    const began = Date.now()
    for (;;) {
      checkFailure()
      const index = place(unit, forced)
      if (index !== null) return index
      for (const w of workers) void runWorker(w)
      const holder = forced === null ? null : workers[forced]!
      if (holder?.waitingForPart && !holder.splitRequested && Date.now() - began >= splitWaitMs) {
        holder.splitRequested = true
        notify()
      }
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([changed(), new Promise((r) => (timer = setTimeout(r, 100)))])
      clearTimeout(timer)
    }
  }

  function workItem(change: RowChange, safe: boolean): WorkItem {
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
    return { change, beforeKeys, afterKeys, keys, safe }
  }

  async function drain(): Promise<void> {
    for (;;) {
      for (const w of workers) void runWorker(w)
      checkFailure()
      // A worker holding the first parts of a transaction whose end was not read cannot commit them: drained.
      if (workers.every((w) => w.queue.length === 0 && (!w.busy || w.waitingForPart))) break
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
      const keylessChanges = changes.some((c) => !identifiesRows(c.table))
      let keyless = openTxn ? openTxn.keyless || keylessChanges : keylessChanges
      if (keyless && item.end && keylessApplied && comparePositions(item.end, keylessApplied) <= 0) {
        // Committed before the last stop, with the key-less checkpoint: only the keyed changes are replayed.
        changes = changes.filter((c) => identifiesRows(c.table))
        keyless = false
      }
      records.set(seq, { end: item.end, remaining: changes.length, timestamp: item.timestamp })
      const after = lastDispatchedEnd ?? applied
      if (item.end) {
        lastDispatchedEnd = item.end
        copy.passed(item.end)
      }
      // Every unit of a source transaction goes to one worker: the one its first unit went to. A transaction that
      // changes a key-less table goes to the key-less worker; it commits whole with its end as that checkpoint
      // unless it is split (then its key-less changes are not covered by that checkpoint, as before).
      const forced = openTxn ? openTxn.worker : keyless ? keylessWorker : null
      if (changes.length > 0 || openTxn) {
        const items = changes.map((change) => workItem(change, safe))
        const keys = new Set<string>()
        let bytes = 0
        for (const work of items) {
          for (const key of work.keys) keys.add(key)
          bytes += rowBytes(work.change.before) + rowBytes(work.change.after)
        }
        const unit: Unit = {
          seq,
          items,
          keys: [...keys],
          txn: openTxn?.txn ?? seq,
          after: openTxn?.after ?? after,
          at: item.at,
          rows: items.length,
          bytes,
          last: item.end !== null,
          keylessEnd: keyless && item.end && (forced ?? -1) === keylessWorker ? item.end : undefined,
        }
        // Only a unit that must wait costs a promise.
        const placed = failure ? null : place(unit, forced)
        const worker = placed ?? (await dispatchUnit(unit, forced))
        openTxn = item.end === null ? { worker, txn: unit.txn, after: unit.after, keyless } : null
      }
      advance()
      for (const w of workers) if (!w.busy) void runWorker(w)
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
      // A worker waiting for the next part of a transaction rolls back what it ran of it.
      notify()
      // A batch in flight (the stage stopped for the source's sake, say) commits first, so that the checkpoint
      // covers it: replayed, it would duplicate the rows of a table without a key. Bounded: its target may be gone.
      const deadline = Date.now() + closeWaitMs
      while (workers.some((w) => w.busy) && Date.now() < deadline)
        await Promise.race([changed(), new Promise((r) => setTimeout(r, 100))])
      try {
        advance()
        saveCheckpoint()
        // Stopped between the parts of a large transaction: the checkpoint is before it, and parts committed on their
        // own (over the cap) are replayed by the next start, in safe mode up to the transaction's end (safeMode.ts).
        if (openTxn && !failure && applied.file) options.store.saveSafeUntil(options.jobId, applied)
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
