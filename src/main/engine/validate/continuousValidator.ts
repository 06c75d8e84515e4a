/**
 * Continuous validation (spec `continuousValidation`): while the job replicates, every row the binlog changes is
 * compared again between source and target in the background, the way DM's validator re-checks changed rows.
 *
 * A changed row waits (`pending`) until it is due, then is read in rounds, like the full validation's re-checks:
 * the source, a wait until the applier has passed the source's position, the target, the source again. Equal to
 * either source read: checked. Different while the source stayed the same across its two reads: the row differs
 * at a consistent point (`failed`, re-read every few seconds and cleared once equal again, after a repair or a
 * later change). Changed between the reads: in flight, read again in a later round.
 *
 * Pending and failed rows are kept in the store, so a pause, a kill or a restart of the app forgets none. Reads
 * only; a lost server pauses the rounds until it is back and never stops the job.
 */
import type { LogLevel } from '../../../shared/domain/events'
import type { ContinuousValidationStatus } from '../../../shared/domain/validation'
import { differencesKept, rowKeyText } from '../../../shared/domain/validation'
import type { ContinuousValidationDelta, ValidationRowDetail } from '../../store/jobStore'
import type { CheckpointPort } from '../jobStage'
import type { ServerInfo, SqlSession } from '../connect/session'
import { detectServer } from '../connect/serverInfo'
import { keyColumnIndexes } from '../replicate/causality'
import type { RowChange } from '../replicate/binlogReader'
import { cellLiteral } from '../replicate/rowDecoding'
import { comparePositions } from '../replicate/safeMode'
import type { UniqueKey } from '../replicate/schemaTracker'
import { currentPosition } from '../replicate/startPosition'
import { backoff, isTransient } from '../retryPolicy'
import type { CellValue } from '../load/valueEncoding'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { quoteIdentifier } from '../vocabulary/identifierQuoting'
import type { TableRef } from '../vocabulary/tableRef'
import { sqlLiteral } from './cellValues'
import type { RangeRow, SideTable } from './rangeReader'
import { readRowsByCondition } from './rangeReader'
import type { TablePlan } from './validationRunner'
import { planDigests } from './validationRunner'
import { differingColumns, displayKey, sameRow } from './tableValidator'

export interface ContinuousValidatorOptions {
  jobId: string
  store: Pick<CheckpointPort, 'getPosition' | 'saveContinuousValidation' | 'restoreContinuousValidation'>
  /** Sessions of the validator's own; it closes them. */
  openSource(): Promise<SqlSession>
  openTarget(): Promise<SqlSession>
  log(level: LogLevel, message: string, code?: string): void
  /** The counts changed (at most once a second). */
  onStatus(status: ContinuousValidationStatus): void
  /** How long after its change a row is first compared (the applier commits it meanwhile). */
  delayMs?: number
  /** Rows waiting at most; changes past it are counted as not followed. */
  maxPending?: number
  /** How long a round waits for the applier to pass the source's position before it calls its rows in flight. */
  settleTimeoutMs?: number
}

export interface ContinuousValidator {
  /** Row changes the applier was given (their rows are compared once due). */
  note(changes: readonly RowChange[]): void
  /** A DDL changed these tables: their columns and key are read again before their next round. */
  tableChanged(tables: readonly TableRef[]): void
  status(): ContinuousValidationStatus
  /** Stops the rounds and writes what is left to the store. */
  close(): Promise<void>
}

const defaults = { delayMs: 1000, maxPending: 100_000, settleTimeoutMs: 30_000 }
/** Rows one statement selects, and one round reads in all: three reads of each (source, target, source). */
const rowsPerStatement = 200
const rowsPerRound = 2000
/** How often rows found different are read again (a repair, or a change that brought them level). */
const failedEveryMs = 5000
/** A round's rows that were in flight wait this long times 2^attempts (capped) before the next read. */
const retryBaseMs = 1000
const retryCapMs = 8000

interface Pending {
  table: string
  where: string
  /** Bumped by each change of the row: a change during its round keeps it pending. */
  gen: number
  dueAt: number
  attempts: number
  at: string
}

interface Failed {
  table: string
  key: string
  detail: ValidationRowDetail
  at: string
}

/**
 * The condition that selects the row of `image` by the table's first unique key whose columns all have a value in
 * it (the key a DELETE of it matches on); null when none has.
 */
export function rowCondition(
  uniqueKeys: readonly UniqueKey[],
  columns: readonly ColumnInfo[],
  image: readonly CellValue[],
): string | null {
  const all = keyColumnIndexes(uniqueKeys, columns)
  for (const indexes of all) {
    if (!indexes.every((i) => i >= 0 && image[i] !== null && image[i] !== undefined)) continue
    return indexes
      .map((i) => `${quoteIdentifier(columns[i]!.name)} = ${cellLiteral(image[i]!, columns[i]!)}`)
      .join(' AND ')
  }
  return null
}

const tableName = (ref: TableRef) => `${ref.schema}.${ref.name}`
const id = (table: string, key: string) => `${table}\u0000${key}`
const sleep = backoff

export function createContinuousValidator(options: ContinuousValidatorOptions): ContinuousValidator {
  const settings = { ...defaults, ...options }
  const { jobId, store } = options
  const controller = new AbortController()
  const signal = controller.signal

  const pending = new Map<string, Pending>()
  const failed = new Map<string, Failed>()
  const notFollowed = new Map<string, { table: string; rows: number; reason: string }>()
  let checked = 0
  let gen = 0
  // What changed since the last write to the store.
  const added = new Map<string, Pending>()
  const removed = new Map<string, { table: string; where: string }>()
  const failedChanged = new Map<string, Failed>()
  const failedRemoved = new Map<string, { table: string; key: string }>()
  let dirty = false

  const restored = store.restoreContinuousValidation(jobId)
  checked = restored.checked
  for (const n of restored.notFollowed) notFollowed.set(id(n.table, n.reason), { ...n })
  const start = Date.now()
  for (const p of restored.pending)
    pending.set(id(p.table, p.where), { ...p, gen: ++gen, dueAt: start + settings.delayMs, attempts: 0 })
  for (const f of restored.failed) failed.set(id(f.table, f.key), f)
  if (restored.pending.length > 0 || restored.failed.length > 0) {
    options.log(
      'info',
      `Continuous validation resumes with ${restored.pending.length} changed rows waiting and ${restored.failed.length} rows found different.`,
      'VALIDATE_CONTINUOUS_RESUMED',
    )
  }

  function notFollow(table: string, reason: string, rows = 1): void {
    const key = id(table, reason)
    const entry = notFollowed.get(key)
    if (entry) entry.rows += rows
    else {
      notFollowed.set(key, { table, rows, reason })
      options.log(
        'warning',
        `Continuous validation does not follow some changed rows of ${table}: ${reason}. A full validation of the table covers them.`,
        'VALIDATE_CONTINUOUS_NOT_FOLLOWED',
      )
    }
    dirty = true
  }

  function addPending(table: string, where: string): void {
    const key = id(table, where)
    const known = pending.get(key)
    if (known) {
      known.gen = ++gen
      return
    }
    if (pending.size >= settings.maxPending) {
      notFollow(
        table,
        `more than ${settings.maxPending.toLocaleString('en-US')} changed rows were waiting for their comparison`,
      )
      return
    }
    const entry: Pending = {
      table,
      where,
      gen: ++gen,
      dueAt: Date.now() + settings.delayMs,
      attempts: 0,
      at: new Date().toISOString(),
    }
    pending.set(key, entry)
    // Removed since the last write and back before the next: the store still has it.
    if (!removed.delete(key)) added.set(key, entry)
    dirty = true
  }

  function removePending(key: string): void {
    const entry = pending.get(key)
    if (!entry) return
    pending.delete(key)
    if (!added.delete(key)) removed.set(key, { table: entry.table, where: entry.where })
    dirty = true
  }

  function setFailed(entry: Failed): void {
    const key = id(entry.table, entry.key)
    const known = failed.get(key)
    if (known && known.detail.kind === entry.detail.kind && known.detail.columns.join() === entry.detail.columns.join())
      return
    const kept = known ? { ...entry, at: known.at } : entry
    if (!known) {
      options.log(
        'warning',
        `Continuous validation: ${entry.table} row ${rowKeyText(entry.detail.key)} is ${entry.detail.kind === 'missing' ? 'missing on the target' : entry.detail.kind === 'extra' ? 'on the target only' : `different on the target (${entry.detail.columns.join(', ')})`}.`,
        'VALIDATE_CONTINUOUS_DIFFERENT',
      )
    }
    failed.set(key, kept)
    failedRemoved.delete(key)
    failedChanged.set(key, kept)
    dirty = true
  }

  function clearFailed(table: string, keyText: string): void {
    const key = id(table, keyText)
    if (!failed.delete(key)) return
    failedChanged.delete(key)
    failedRemoved.set(key, { table, key: keyText })
    dirty = true
  }

  function status(): ContinuousValidationStatus {
    const failedRows = [...failed.values()].slice(0, differencesKept).map((f) => ({
      table: f.table,
      kind: f.detail.kind,
      key: f.detail.key,
      columns: f.detail.columns,
      foundAt: f.at,
    }))
    return {
      jobId,
      pending: pending.size,
      failed: failed.size,
      checked,
      notFollowed: [...notFollowed.values()].map((n) => ({ ...n })),
      failedRows,
      updatedAt: new Date().toISOString(),
    }
  }

  function flush(): void {
    if (!dirty) return
    const delta: ContinuousValidationDelta = {
      checked,
      notFollowed: [...notFollowed.values()],
      addPending: [...added.values()].map((p) => ({ table: p.table, where: p.where, at: p.at })),
      removePending: [...removed.values()],
      upsertFailed: [...failedChanged.values()],
      removeFailed: [...failedRemoved.values()],
    }
    store.saveContinuousValidation(jobId, delta)
    added.clear()
    removed.clear()
    failedChanged.clear()
    failedRemoved.clear()
    dirty = false
    options.onStatus(status())
  }

  // Sessions and table plans, opened on the first round and again after a lost server.
  let sessions: { source: SqlSession; target: SqlSession; sourceInfo: ServerInfo; targetInfo: ServerInfo } | null = null
  const plans = new Map<string, TablePlan>()
  const refs = new Map<string, TableRef>()

  async function connect() {
    if (sessions) return sessions
    const opened: SqlSession[] = []
    try {
      const source = await options.openSource()
      opened.push(source)
      const target = await options.openTarget()
      opened.push(target)
      const [sourceInfo, targetInfo] = await Promise.all([detectServer(source), detectServer(target)])
      sessions = { source, target, sourceInfo, targetInfo }
      return sessions
    } catch (error) {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)))
      throw error
    }
  }

  async function disconnect() {
    const open = sessions
    sessions = null
    plans.clear()
    if (open) await Promise.all([open.source.close(), open.target.close()].map((p) => p.catch(() => undefined)))
  }

  async function planFor(table: string): Promise<TablePlan> {
    const known = plans.get(table)
    if (known) return known
    const s = await connect()
    const ref = refs.get(table) ?? {
      schema: table.slice(0, table.indexOf('.')),
      name: table.slice(table.indexOf('.') + 1),
    }
    const [plan] = await planDigests(s.source, s.sourceInfo, s.target, s.targetInfo, [ref])
    if (!plan) throw new Error(`${table} is not on the source`)
    plans.set(table, plan)
    return plan
  }

  const sides = (plan: TablePlan) => {
    const s = sessions!
    const side = (session: SqlSession, keyCollations: (string | null)[]): SideTable => ({
      session,
      table: plan.shape.table,
      key: plan.shape.key,
      keyCollations,
      columns: plan.columns,
      keyColumns: plan.rowKeyColumns,
    })
    return { source: side(s.source, []), target: side(s.target, plan.keyCollations) }
  }

  /** Waits until the applier has passed the source's position now; false if it did not in time. */
  async function settle(): Promise<boolean> {
    const s = await connect()
    const target = await currentPosition(s.source, s.sourceInfo)
    const deadline = Date.now() + settings.settleTimeoutMs
    for (;;) {
      const applied = store.getPosition(jobId, 'applied')
      if (applied && comparePositions(applied, target) >= 0) return true
      if (Date.now() > deadline || signal.aborted) return false
      await sleep(100, signal)
    }
  }

  interface Group {
    table: string
    plan: TablePlan
    /** One row each: the condition that selects it, and the pending row or the failed row it is read for. */
    rows: { condition: string; pending?: { key: string; gen: number }; failedKey?: string }[]
  }

  /**
   * Reads the groups' rows (source, settled wait, target, source), then settles each row: checked, failed, or
   * in flight (read again later, later the more often it was).
   */
  async function compare(groups: Group[]): Promise<void> {
    const reads = async (which: 'source' | 'target') => {
      const out: (RangeRow | undefined)[][] = []
      for (const g of groups)
        out.push(
          await readRowsByCondition(
            sides(g.plan)[which],
            g.rows.map((r) => r.condition),
          ),
        )
      return out
    }
    const before = await reads('source')
    const settled = await settle()
    const after = await reads('target')
    const again = await reads('source')
    const now = Date.now()
    for (const [i, g] of groups.entries()) {
      const source = sides(g.plan).source
      for (const [k, item] of g.rows.entries()) {
        const [x, y, x2] = [before[i]![k], after[i]![k], again[i]![k]]
        const keyText = item.failedKey ?? (x ?? y ?? x2)?.key
        const equal = sameRow(x, y) || sameRow(x2, y)
        const stable = settled && sameRow(x, x2)
        if (equal) {
          if (keyText !== undefined) clearFailed(g.table, keyText)
        } else if (stable) {
          const row = (x ?? y)!
          const kind = x && !y ? 'missing' : !x && y ? 'extra' : 'different'
          setFailed({
            table: g.table,
            key: keyText ?? row.key,
            at: new Date(now).toISOString(),
            detail: {
              kind,
              key: displayKey(source.keyColumns, row.keyCells),
              columns: kind === 'different' ? differingColumns(x!, y!, source.columns) : [],
              keyCells: row.keyCells.map((c) => (c === null ? null : c.toString('hex'))),
            },
          })
        }
        if (!item.pending) continue
        const entry = pending.get(item.pending.key)
        if (!entry) continue
        if (!equal && !stable) {
          // In flight: read again later, later the more often it was.
          entry.attempts++
          entry.dueAt = now + Math.min(retryCapMs, retryBaseMs * 2 ** entry.attempts)
          pending.delete(item.pending.key)
          pending.set(item.pending.key, entry)
          continue
        }
        if (equal) checked++
        // Changed again while it was read: it stays, for a read of its newer value.
        if (entry.gen === item.pending.gen) removePending(item.pending.key)
      }
      dirty = true
    }
  }

  /** The due pending rows, oldest first, in groups of one table each (a statement per group and side). */
  function due(now: number): { table: string; items: { key: string; entry: Pending }[] }[] {
    const groups: { table: string; items: { key: string; entry: Pending }[] }[] = []
    const open = new Map<string, { key: string; entry: Pending }[]>()
    let n = 0
    for (const [key, entry] of pending) {
      if (entry.dueAt > now) continue
      let items = open.get(entry.table)
      if (!items || items.length >= rowsPerStatement) {
        items = []
        open.set(entry.table, items)
        groups.push({ table: entry.table, items })
      }
      items.push({ key, entry })
      if (++n >= rowsPerRound) break
    }
    return groups
  }

  /** A table that cannot be followed row by row, or read at all: its rows leave the pending set, counted. */
  function dropTable(table: string, reason: string, keys: string[]): void {
    for (const key of keys) removePending(key)
    notFollow(table, reason, keys.length)
  }

  async function groupsOf(due: { table: string; items: { key: string; entry: Pending }[] }[]): Promise<Group[]> {
    const groups: Group[] = []
    for (const { table, items } of due) {
      let plan: TablePlan
      try {
        plan = await planFor(table)
      } catch (error) {
        if (isTransient(error)) throw error
        dropTable(
          table,
          `its columns could not be read (${(error as Error).message})`,
          items.map((i) => i.key),
        )
        continue
      }
      if (plan.missingOnTarget) {
        dropTable(
          table,
          'the table is not on the target',
          items.map((i) => i.key),
        )
        continue
      }
      if (plan.rowKeyColumns.length === 0) {
        dropTable(
          table,
          'no key on both sides matches its rows',
          items.map((i) => i.key),
        )
        continue
      }
      groups.push({
        table,
        plan,
        rows: items.map((i) => ({ condition: i.entry.where, pending: { key: i.key, gen: i.entry.gen } })),
      })
    }
    return groups
  }

  async function failedGroups(): Promise<Group[]> {
    const byTable = new Map<string, Failed[]>()
    for (const f of failed.values()) {
      const rows = byTable.get(f.table) ?? []
      if (rows.length < rowsPerStatement) rows.push(f)
      byTable.set(f.table, rows)
    }
    const groups: Group[] = []
    for (const [table, rows] of byTable) {
      const plan = await planFor(table)
      if (plan.rowKeyColumns.length === 0) continue
      const conditions = rows.map((f) =>
        plan.rowKeyColumns
          .map((c, i) => {
            const hex = f.detail.keyCells[i] ?? null
            return `${quoteIdentifier(c.name)} = ${sqlLiteral(hex === null ? null : Buffer.from(hex, 'hex'), c.kind)}`
          })
          .join(' AND '),
      )
      groups.push({ table, plan, rows: rows.map((f, i) => ({ condition: conditions[i]!, failedKey: f.key })) })
    }
    return groups
  }

  /** One round; a table whose statements fail (not a lost server) leaves the rounds, its rows counted. */
  async function round(groups: Group[]): Promise<void> {
    try {
      await compare(groups)
    } catch (error) {
      if (isTransient(error) || signal.aborted) throw error
      if (groups.length > 1) {
        for (const g of groups) await round([g])
        return
      }
      const g = groups[0]!
      plans.delete(g.table)
      // Rows found different stay listed; only changed rows that cannot be read leave.
      const taken = g.rows.flatMap((r) => (r.pending ? [r.pending.key] : []))
      if (taken.length > 0) dropTable(g.table, `its rows could not be compared (${(error as Error).message})`, taken)
    }
  }

  let outage = false
  let lastFailedRound = 0
  async function loop(): Promise<void> {
    while (!signal.aborted) {
      await sleep(200, signal)
      if (signal.aborted) break
      try {
        const now = Date.now()
        const byTable = due(now)
        if (byTable.length > 0) {
          // Far behind (a backlog after a resume), a round would only wait for the applier: it waits here, reading
          // nothing, until the applier is near the source's end.
          if (await settle()) await round(await groupsOf(byTable))
        } else if (failed.size > 0 && now - lastFailedRound >= failedEveryMs) {
          lastFailedRound = now
          await round(await failedGroups())
        }
        if (outage) {
          outage = false
          options.log('info', 'Continuous validation compares changed rows again.', 'VALIDATE_CONTINUOUS_BACK')
        }
      } catch (error) {
        if (signal.aborted) break
        if (!outage) {
          outage = true
          options.log(
            'warning',
            `Continuous validation waits for the servers (${(error as Error).message}); changed rows keep waiting meanwhile.`,
            'VALIDATE_CONTINUOUS_WAITING',
          )
        }
        await disconnect()
        await sleep(5000, signal)
      }
    }
  }

  // The counts reach the store (and the screens) each second, whatever a round is waiting for.
  const flusher = setInterval(() => {
    try {
      flush()
    } catch {
      // The store's own error reaches the stage through its next write; the rows stay in memory until then.
    }
  }, 1000)
  const running = loop()

  return {
    note(changes) {
      for (const change of changes) {
        if (change.table.shadow) continue
        const table = tableName(change.ref)
        refs.set(table, change.ref)
        for (const image of [change.before, change.after]) {
          if (!image) continue
          const where = rowCondition(change.table.uniqueKeys, change.columns, image)
          if (where === null) notFollow(table, 'no primary key or NOT NULL unique key identifies its rows')
          else addPending(table, where)
        }
      }
    },
    tableChanged(tables) {
      for (const t of tables) plans.delete(tableName(t))
    },
    status,
    async close() {
      controller.abort()
      clearInterval(flusher)
      // A round blocked on a lost server must not hold the stage's end: its rows stay pending in the store.
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 3000))])
      try {
        flush()
      } finally {
        await disconnect()
      }
    },
  }
}
