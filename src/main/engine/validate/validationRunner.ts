/**
 * A validation of a job: every table (or the ones asked for) compared between source and target with the servers'
 * own aggregates over the same key ranges the copy uses, differing rows located and their repair SQL written.
 * Reads only: nothing is written to either server.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { LogLevel } from '../../../shared/domain/events'
import type { JobConfig } from '../../../shared/domain/job'
import type { TableValidation, ValidationProgress, ValidationResult } from '../../../shared/domain/validation'
import type { JobStore } from '../../store/jobStore'
import type { ConnectRoute } from '../connect/openSession'
import { openRoute, openSessionOnRoute } from '../connect/openSession'
import type { ServerInfo, SqlSession } from '../connect/session'
import { detectServer } from '../connect/serverInfo'
import type { TableShape } from '../dump/tableInspector'
import { inspectTables } from '../dump/tableInspector'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import { planTable } from '../existing/chunkPlan'
import { currentPosition } from '../replicate/startPosition'
import { comparePositions } from '../replicate/safeMode'
import { readColumns, tablePairFilter } from '../vocabulary/columnCatalog'
import { tableKey } from '../vocabulary/tableRef'
import { findToolTables } from '../replicate/onlineSchemaChange'
import { selectSchemaObjects } from '../schema/schemaObjects'
import type { DigestColumn } from './columnDigest'
import { digestColumn, digestKind } from './columnDigest'
import type { Range, SideTable } from './rangeReader'
import { createRepairFile } from './repairSql'
import type { InFlightGuard } from './tableValidator'
import { validateTable } from './tableValidator'

export interface ValidationOptions {
  validationId: string
  jobId: string
  jobName: string
  /** The job's config with its passwords. */
  config: JobConfig
  store: JobStore
  /** `schema.table` names; all of the job's tables when absent. */
  tables?: string[]
  repairSqlPath: string
  signal: AbortSignal
  onProgress(progress: ValidationProgress): void
  log(level: LogLevel, message: string, code?: string): void
  /** Rows a chunk aims for (the copy's planner cuts the ranges). */
  chunkRows?: number
  leafRows?: number
  maxRechecks?: number
  /** How long one re-check waits for the applier to pass the source's position. */
  settleTimeoutMs?: number
}

const defaults = { chunkRows: 20_000, leafRows: 256, maxRechecks: 4, settleTimeoutMs: 30_000 }

/** MariaDB's JSON columns: LONGTEXT with a json_valid() check (TiDB and MySQL say `json`). */
async function jsonByCheck(session: SqlSession, info: ServerInfo, tables: TableRef[]): Promise<Set<string>> {
  const out = new Set<string>()
  if (info.flavor !== 'mariadb' || tables.length === 0) return out
  for (let i = 0; i < tables.length; i += 500) {
    const batch = tables.slice(i, i + 500)
    const filter = tablePairFilter(batch)
    const rows = await session.query<{ TABLE_SCHEMA: string; TABLE_NAME: string; CHECK_CLAUSE: string }>(
      `SELECT CONSTRAINT_SCHEMA AS TABLE_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
       WHERE ${filter.sql.replace('TABLE_SCHEMA', 'CONSTRAINT_SCHEMA')} AND CHECK_CLAUSE LIKE 'json_valid(%'`,
      filter.params,
    )
    for (const r of rows) {
      const column = /^json_valid\(`?(.+?)`?\)$/i.exec(r.CHECK_CLAUSE.trim())?.[1]
      if (column)
        out.add(`${tableKey({ schema: r.TABLE_SCHEMA, name: r.TABLE_NAME })}\u0000${column.replaceAll('``', '`')}`)
    }
  }
  return out
}

/** What each side's columns say, turned into the digest plan of one table, with the notes a reader needs. */
export interface TablePlan {
  shape: TableShape
  columns: DigestColumn[]
  keyColumns: DigestColumn[]
  /**
   * The key's digest columns even where key ranges cannot be cut alike on both sides (`whole`): rows looked up by
   * their own key are still matched by it. Empty when the table has no key or the target lacks a key column.
   */
  rowKeyColumns: DigestColumn[]
  keyCollations: (string | null)[]
  /** Compared as one range even though it has a key (its text key compares differently on the target). */
  whole: boolean
  missingOnTarget: boolean
  columnsMissing: string[]
  notes: string[]
}

const isText = (c: ColumnInfo) => c.collation !== null && c.charset !== null && c.charset.toLowerCase() !== 'binary'

export function planTableDigest(
  shape: TableShape,
  targetColumns: ColumnInfo[] | undefined,
  isJson: (column: string) => boolean,
  targetCollations: Set<string>,
): TablePlan {
  const notes: string[] = []
  if (!targetColumns) {
    return {
      shape,
      columns: [],
      keyColumns: [],
      rowKeyColumns: [],
      keyCollations: [],
      whole: true,
      missingOnTarget: true,
      columnsMissing: [],
      notes,
    }
  }
  const onTarget = new Map(targetColumns.map((c) => [c.name.toLowerCase(), c]))
  const columns: DigestColumn[] = []
  const columnsMissing: string[] = []
  const generated: string[] = []
  for (const column of shape.columns) {
    if (column.generated !== 'no') {
      generated.push(column.name)
      continue
    }
    const other = onTarget.get(column.name.toLowerCase())
    if (!other) {
      columnsMissing.push(column.name)
      continue
    }
    const kind = digestKind(column, isJson(column.name) || other.dataType === 'json')
    columns.push(digestColumn(column, kind))
    if (isText(column) && other.collation && column.collation!.toLowerCase() !== other.collation.toLowerCase()) {
      notes.push(
        `Column ${column.name} is ${column.collation} on the source and ${other.collation} on the target (rewritten by the schema stage): values are compared as stored bytes, so this is not a difference, but the target ${/_bin$/i.test(other.collation) && !/_bin$/i.test(column.collation!) ? 'tells apart values the source holds equal (letter case, accents, trailing spaces), in comparisons, sorting and unique keys' : 'may compare and sort these values differently'}.`,
      )
    }
  }
  if (shape.key === null) {
    notes.push(
      'The table has no primary key or NOT NULL unique key: it is compared as a whole (one count and checksum), so a difference cannot be located row by row.',
    )
  }
  if (generated.length > 0) {
    notes.push(`Generated columns are not compared (the target computes them itself): ${generated.join(', ')}.`)
  }
  if (columnsMissing.length > 0)
    notes.push(`Columns missing on the target, not compared: ${columnsMissing.join(', ')}.`)

  const byName = new Map(columns.map((c) => [c.name, c]))
  let whole = shape.key === null
  const keyCollations: (string | null)[] = []
  const keyColumns: DigestColumn[] = []
  for (const part of shape.key?.columns ?? []) {
    const column = shape.columns.find((c) => c.name === part.name)!
    const digest = byName.get(part.name)
    if (!digest) {
      whole = true
      break
    }
    keyColumns.push(digest)
    const other = onTarget.get(part.name.toLowerCase())!
    const differs =
      isText(column) && other.collation && column.collation!.toLowerCase() !== other.collation.toLowerCase()
    if (!differs) keyCollations.push(null)
    else if (targetCollations.has(column.collation!.toLowerCase())) keyCollations.push(column.collation!.toLowerCase())
    else {
      whole = true
      notes.push(
        `The key column ${part.name} sorts under ${column.collation} on the source, which the target lacks: key ranges would cut differently on the two sides, so the table is compared as a whole (count and checksum) and differing rows are not located.`,
      )
      break
    }
  }
  const rowKey = (shape.key?.columns ?? []).map((part) => byName.get(part.name))
  const rowKeyColumns = rowKey.every((c) => c !== undefined) ? rowKey : []
  return {
    shape,
    columns,
    keyColumns: whole ? [] : keyColumns,
    rowKeyColumns,
    keyCollations: whole ? [] : keyCollations,
    whole,
    missingOnTarget: false,
    columnsMissing,
    notes,
  }
}

/** Whether a TiDB compares text under its collations (`new_collation_enabled`, fixed when the cluster was created). */
async function tidbNewCollations(target: SqlSession): Promise<boolean> {
  const rows = await target
    .query<{ v: string }>("SELECT VARIABLE_VALUE AS v FROM mysql.tidb WHERE VARIABLE_NAME = 'new_collation_enabled'")
    .catch(() => [])
  return rows.length === 0 || String(rows[0]!.v).toLowerCase() === 'true'
}

/**
 * The digest plan of each table from what both sides' catalogs say now: columns compared and how, the key rows are
 * matched by, and the collation each key bound is compared under on the target.
 */
export async function planDigests(
  source: SqlSession,
  sourceInfo: ServerInfo,
  target: SqlSession,
  targetInfo: ServerInfo,
  selected: TableRef[],
): Promise<TablePlan[]> {
  const shapes = await inspectTables(source, selected)
  const json = await jsonByCheck(source, sourceInfo, selected)
  const targetColumns = new Map<string, ColumnInfo[]>()
  for (let i = 0; i < selected.length; i += 500) {
    for (const [key, columns] of await readColumns(target, selected.slice(i, i + 500))) targetColumns.set(key, columns)
  }
  let targetCollations = new Set(
    (await target.query<Record<string, unknown>>('SHOW COLLATION')).map((r) => String(r['Collation']).toLowerCase()),
  )
  if (targetInfo.flavor === 'tidb' && !(await tidbNewCollations(target))) {
    // Without TiDB's new collation framework every collation compares as binary, whatever its name says.
    targetCollations = new Set([...targetCollations].filter((c) => c.endsWith('_bin')))
    for (const columns of targetColumns.values()) {
      for (const c of columns) if (c.collation && c.charset) c.collation = `${c.charset.toLowerCase()}_bin`
    }
  }
  return shapes.map((shape) =>
    planTableDigest(
      shape,
      targetColumns.get(tableKey(shape.table)),
      (column) => json.has(`${tableKey(shape.table)}\u0000${column}`),
      targetCollations,
    ),
  )
}

function inFlightGuard(
  store: JobStore,
  jobId: string,
  source: SqlSession,
  info: ServerInfo,
  timeoutMs: number,
): InFlightGuard {
  return {
    active() {
      const job = store.getJob(jobId)
      return job?.status === 'running' && job.stage === 'incremental'
    },
    async settle(signal) {
      const target = await currentPosition(source, info)
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const applied = store.getPosition(jobId, 'applied')
        if (applied && comparePositions(applied, target) >= 0) return true
        if (Date.now() > deadline || signal.aborted) return false
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
  }
}

function validateError(code: string, message: string, workaround: string): CutoverError {
  return new CutoverError({ code, message, workaround })
}

export async function runValidation(options: ValidationOptions): Promise<ValidationResult> {
  const settings = { ...defaults, ...options }
  const { signal, config } = options
  const startedAt = new Date().toISOString()
  const began = Date.now()
  const routes: ConnectRoute[] = []
  const sessions: SqlSession[] = []
  const repair = createRepairFile(
    options.repairSqlPath,
    `Repair SQL of job ${options.jobName}, validation ${options.validationId} (${startedAt}).\n` +
      'Makes the target rows equal to the source rows as they were read. Review it, then run it on the TARGET.\n' +
      'Cutover never runs it.',
  )
  const tables: TableValidation[] = []
  let rowsDone = 0
  let differences = 0
  let lastProgress = 0
  /** The result as it ends: what it found so far, however it ends. */
  const result = (
    end: Pick<ValidationResult, 'status' | 'rowsPerSecond' | 'whileReplicating' | 'error'>,
  ): ValidationResult => ({
    id: options.validationId,
    jobId: options.jobId,
    startedAt,
    finishedAt: new Date().toISOString(),
    tables,
    repairSqlPath: repair.written ? options.repairSqlPath : null,
    rowsCompared: rowsDone,
    ...end,
  })
  try {
    const sourceRoute = await openRoute(config.source, { signal })
    routes.push(sourceRoute)
    const targetRoute = await openRoute(config.target, { signal })
    routes.push(targetRoute)
    const source = await openSessionOnRoute(sourceRoute, 'source', { signal })
    sessions.push(source)
    const target = await openSessionOnRoute(targetRoute, 'target', { signal })
    sessions.push(target)
    const [sourceInfo, targetInfo] = await Promise.all([detectServer(source), detectServer(target)])
    const objects = await selectSchemaObjects(source, sourceInfo, config.objects)
    // An online schema change tool's tables are not migrated (onlineSchemaChange.ts): nothing to compare.
    let selected = (await findToolTables(source, objects.tables)).tables
    if (options.tables && options.tables.length > 0) {
      const byName = new Map(selected.map((t) => [`${t.schema}.${t.name}`.toLowerCase(), t]))
      const unknown = options.tables.filter((n) => !byName.has(n.toLowerCase()))
      if (unknown.length > 0) {
        throw validateError(
          'VALIDATE_UNKNOWN_TABLE',
          `Not a table of job ${options.jobName}: ${unknown.join(', ')}.`,
          "Name tables as schema.table, from the job's objects (cutover status lists them).",
        )
      }
      selected = options.tables.map((n) => byName.get(n.toLowerCase())!)
    }
    const plans = await planDigests(source, sourceInfo, target, targetInfo, selected)
    const chunkPlans: Range[][] = []
    for (const plan of plans) {
      signal.throwIfAborted()
      chunkPlans.push(
        plan.whole || plan.missingOnTarget
          ? [{ lower: null, upper: null }]
          : await planTable(source, plan.shape, Math.max(1, plan.shape.avgRowBytes || 256) * settings.chunkRows),
      )
    }
    const chunksTotal = chunkPlans.reduce((n, c) => n + c.length, 0)
    let chunksDone = 0
    const guard = inFlightGuard(options.store, options.jobId, source, sourceInfo, settings.settleTimeoutMs)
    const whileReplicating = guard.active()
    const progress = (table: string | null, force = false) => {
      const now = Date.now()
      if (!force && now - lastProgress < 250) return
      lastProgress = now
      const seconds = (now - began) / 1000
      options.onProgress({
        validationId: options.validationId,
        jobId: options.jobId,
        table,
        tablesDone: tables.length,
        tablesTotal: plans.length,
        chunksDone,
        chunksTotal,
        rowsDone,
        rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0,
        differences,
      })
    }

    for (const [i, plan] of plans.entries()) {
      signal.throwIfAborted()
      const name = `${plan.shape.table.schema}.${plan.shape.table.name}`
      const tableStart = Date.now()
      const base: TableValidation = {
        table: name,
        status: 'equal',
        method: plan.whole ? 'whole' : 'chunks',
        sourceRows: 0,
        targetRows: 0,
        chunks: chunkPlans[i]!.length,
        missing: 0,
        extra: 0,
        different: 0,
        differences: [],
        notes: plan.notes,
        rechecks: 0,
        seconds: 0,
        error: null,
      }
      progress(name, true)
      if (plan.missingOnTarget) {
        tables.push({ ...base, status: 'missing', notes: ['The table does not exist on the target.'] })
        chunksDone += 1
        differences++
        continue
      }
      const side = (session: SqlSession, collations: (string | null)[]): SideTable => ({
        session,
        table: plan.shape.table,
        key: plan.whole ? null : plan.shape.key,
        keyCollations: collations,
        columns: plan.columns,
        keyColumns: plan.keyColumns,
      })
      try {
        const outcome = await validateTable({
          source: side(source, []),
          target: side(target, plan.keyCollations),
          chunks: chunkPlans[i]!,
          leafRows: settings.leafRows,
          maxRechecks: settings.maxRechecks,
          guard,
          repair,
          signal,
          onChunk: (rows) => {
            chunksDone++
            rowsDone += rows
            progress(name)
          },
          onDifference: () => differences++,
        })
        const status = outcome.status === 'equal' && plan.columnsMissing.length > 0 ? 'different' : outcome.status
        tables.push({
          ...base,
          ...outcome,
          status,
          notes: [...plan.notes, ...outcome.notes],
          seconds: (Date.now() - tableStart) / 1000,
        })
      } catch (error) {
        if (signal.aborted) throw error
        const e =
          error instanceof CutoverError
            ? error
            : validateError(
                'VALIDATE_TABLE_FAILED',
                `${name} could not be compared: ${(error as Error).message}`,
                'Check that the table has the same definition on both sides and that both servers are reachable, then validate it again with --tables.',
              )
        options.log('warning', e.message, e.code)
        tables.push({ ...base, status: 'failed', error: e.toShape(), seconds: (Date.now() - tableStart) / 1000 })
      }
    }
    progress(null, true)
    const seconds = (Date.now() - began) / 1000
    const differing = tables.some((t) => t.status !== 'equal')
    return result({
      status: differing ? 'different' : 'equal',
      rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0,
      whileReplicating,
      error: null,
    })
  } catch (error) {
    const cancelled = signal.aborted
    const e =
      error instanceof CutoverError
        ? error
        : validateError(
            cancelled ? 'VALIDATE_CANCELLED' : 'VALIDATE_FAILED',
            cancelled ? 'The validation was cancelled.' : `The validation stopped: ${(error as Error).message}`,
            cancelled
              ? 'Validate again when you are ready.'
              : 'Check that both servers are reachable, then validate again.',
          )
    return result({
      status: cancelled ? 'cancelled' : 'failed',
      rowsPerSecond: 0,
      whileReplicating: false,
      error: e.toShape(),
    })
  } finally {
    repair.close()
    await Promise.allSettled(sessions.map((s) => s.close()))
    await Promise.allSettled(routes.map((r) => r.close()))
  }
}
