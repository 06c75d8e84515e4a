/**
 * The migration report of a job, built from its store alone (no server is contacted): the tables and their sizes,
 * the stages with their timings and throughput (from the log's stage codes), every schema rewrite and object not
 * migrated, precheck warnings accepted, warnings logged, DDL decisions, the last validation and the cutover point.
 * The log is read in pages, so a job of days builds its report in bounded memory.
 */
import type { JobLogEntry } from '../../../shared/domain/events'
import type { MigrationReport, ReportEntry, ReportStage, ReportTable } from '../../../shared/domain/report'
import type { JobStore, StoredJob } from '../../store/jobStore'
import { rewriteLogPrefix } from '../schema/schemaStage'

/** Entries kept per list: the counts stay exact, the lists stop growing (a job of days logs many warnings). */
const keptEntries = 500

const rewriteCodes = new Set(['REPLICATE_DDL_REWRITE', 'SCHEMA_COLLATION'])
const notMigratedCodes = new Set(['SCHEMA_NOT_MIGRATED', 'FULLTEXT_INDEX_DROPPED', 'REPLICATE_NO_KEY'])
const decisionCodes = new Set(['REPLICATE_DDL_DECIDED', 'REPLICATE_DDL_SKIPPED', 'REPLICATE_DDL_REPLACED'])

function endpoint(c: StoredJob['config']['source']): string {
  return `${c.user}@${c.host}:${c.port}${c.ssh ? ` via ${c.ssh.host}` : ''}`
}

function stage(
  name: ReportStage['name'],
  startedAt: string | null,
  endedAt: string | null,
  rows: number | null,
  bytes: number | null,
): ReportStage {
  const seconds = startedAt && endedAt ? Math.max(0, (Date.parse(endedAt) - Date.parse(startedAt)) / 1000) : null
  const rate = (n: number | null) => (n !== null && seconds ? Math.round(n / seconds) : null)
  return { name, startedAt, endedAt, seconds, rows, bytes, rowsPerSecond: rate(rows), bytesPerSecond: rate(bytes) }
}

export function buildMigrationReport(store: JobStore, job: StoredJob, now = new Date()): MigrationReport {
  const rewrites: ReportEntry[] = []
  const notMigrated: ReportEntry[] = []
  const warnings: ReportEntry[] = []
  const decisions: ReportEntry[] = []
  const firstAt = new Map<string, string>()
  const keep = (list: ReportEntry[], e: JobLogEntry) => {
    if (list.length < keptEntries) list.push({ time: e.time, code: e.code, message: e.message })
  }
  for (let afterId = 0; ;) {
    const page = store.listEvents(job.id, { afterId, limit: 2000 })
    if (page.length === 0) break
    afterId = page.at(-1)!.id
    for (const e of page) {
      if (e.code && !firstAt.has(e.code)) firstAt.set(e.code, e.time)
      if ((e.code && rewriteCodes.has(e.code)) || e.message.startsWith(rewriteLogPrefix)) keep(rewrites, e)
      else if (e.code && notMigratedCodes.has(e.code)) keep(notMigrated, e)
      else if (e.code && decisionCodes.has(e.code)) keep(decisions, e)
      else if (e.level === 'warning' || e.level === 'error') keep(warnings, e)
    }
  }

  const created = new Map(store.listSnapshotTables(job.id).map((t) => [t.table, t.created]))
  const byTable = new Map<string, ReportTable>()
  const table = (name: string) => {
    let t = byTable.get(name)
    if (!t) {
      t = { table: name, rowsCopied: 0, bytesCopied: 0, rowChangesReplicated: 0, created: created.get(name) ?? null }
      byTable.set(name, t)
    }
    return t
  }
  for (const name of created.keys()) table(name)
  for (const chunk of store.listChunks(job.id)) {
    if (chunk.state !== 'done') continue
    const t = table(chunk.table)
    t.rowsCopied += chunk.rows
    t.bytesCopied += chunk.bytes
  }
  for (const change of store.listTableChanges(job.id)) table(change.table).rowChangesReplicated += change.rows
  const tables = [...byTable.values()].sort((a, b) => a.table.localeCompare(b.table))
  const totals = {
    tables: tables.length,
    rowsCopied: tables.reduce((n, t) => n + t.rowsCopied, 0),
    bytesCopied: tables.reduce((n, t) => n + t.bytesCopied, 0),
    rowChangesReplicated: tables.reduce((n, t) => n + t.rowChangesReplicated, 0),
  }

  const cutover = store.cutover(job.id)
  const stages: ReportStage[] = []
  if (job.config.type !== 'incremental') {
    const schemaDone = firstAt.get('SCHEMA_CREATED') ?? null
    stages.push(stage('schema', job.startedAt, schemaDone, null, null))
    stages.push(stage('existing', schemaDone, firstAt.get('LOAD_DONE') ?? null, totals.rowsCopied, totals.bytesCopied))
  }
  if (job.config.type !== 'existing') {
    stages.push(
      stage(
        'incremental',
        firstAt.get('REPLICATE_STARTED') ?? null,
        cutover?.startedAt ?? null,
        totals.rowChangesReplicated,
        null,
      ),
    )
  }
  if (cutover) stages.push(stage('cutover', cutover.startedAt, cutover.finishedAt, null, null))

  const objects = job.config.objects
  return {
    generatedAt: now.toISOString(),
    job: {
      id: job.id,
      name: job.name,
      type: job.config.type,
      mode: job.config.mode,
      status: job.status,
      source: endpoint(job.config.source),
      target: endpoint(job.config.target),
      objects: objects === 'all' ? 'all databases' : objects.join(', '),
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    },
    totals,
    tables,
    stages,
    positions: { snapshot: store.getPosition(job.id, 'snapshot'), applied: store.getPosition(job.id, 'applied') },
    rewrites,
    notMigrated,
    warningsAccepted: store
      .listPrecheckResults(job.id)
      .filter((r) => r.status === 'warning')
      .map((r) => ({ item: r.itemId, message: r.message, fix: r.fix })),
    warnings,
    decisions,
    validations: {
      count: store.countValidations(job.id),
      last: store.lastValidation(job.id),
      continuous: store.continuousValidation(job.id),
    },
    cutover,
  }
}
