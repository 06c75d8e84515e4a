/**
 * Whether a job may be cut over now, item by item (type, state, lag, last validation, binlog retention, a DDL
 * holding it back), and how far its target is behind the source. Read from the store, which every process running
 * the job writes, and from the source.
 */
import { rowKeyText } from '../../../shared/domain/validation'
import type { CutoverReadiness, CutoverRequest, JobBehind, ReadinessItem } from '../../../shared/domain/cutover'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { JobStore, StoredJob } from '../../store/jobStore'
import type { SqlSession } from '../connect/session'
import { retentionSeconds } from '../precheck/checks/binlogRetention'
import { bytesBehind, readBinaryLogs } from '../replicate/binlogFiles'

export interface ReadinessContext {
  store: JobStore
  job: StoredJob
  /** This process or another live one runs the job. */
  running: boolean
  /**
   * A source session, or the reason none could be opened; `secretsMissing`: none was tried, because this process
   * lacks the job's passwords (the cutover itself is given them, and checks again before it stops any writes).
   */
  source: SqlSession | { error: string; secretsMissing?: boolean }
  now?: number
}

/** How far the target is behind: binlog bytes after the applied checkpoint, and the age of what it lacks. */
export function measureBehind(
  applied: BinlogPosition | null,
  logs: { name: string; size: number }[] | null,
  appliedEventAt: string | null,
  now = Date.now(),
): JobBehind {
  const bytes = applied?.file && logs ? bytesBehind(applied, logs) : null
  const since = appliedEventAt ? Date.parse(appliedEventAt) : NaN
  const seconds = bytes === 0 ? 0 : bytes !== null && Number.isFinite(since) ? Math.max(0, (now - since) / 1000) : null
  return { bytes, seconds, applied }
}

const fmtSeconds = (s: number) =>
  s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`
const fmtBytes = (b: number) =>
  b < 1024 ? `${b} bytes` : b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`

export function describeBehind(behind: JobBehind): string {
  if (behind.bytes === null) return 'unknown (the source could not be read)'
  if (behind.bytes === 0) return 'nothing: the target has every change in the source binlog'
  return `${fmtBytes(behind.bytes)} of binlog${behind.seconds !== null ? `, changes up to ${fmtSeconds(behind.seconds)} old` : ''}`
}

export async function cutoverReadiness(
  ctx: ReadinessContext,
  request: Pick<CutoverRequest, 'readySeconds' | 'validate'>,
): Promise<CutoverReadiness> {
  const { job, store } = ctx
  const now = ctx.now ?? Date.now()
  const items: ReadinessItem[] = []
  const add = (item: ReadinessItem) => items.push(item)

  const replicates = job.config.type !== 'existing'
  add(
    replicates
      ? {
          id: 'type',
          label: 'Job replicates changes',
          status: 'pass',
          detail: `A ${job.config.type} job: the target follows the source's binlog.`,
        }
      : {
          id: 'type',
          label: 'Job replicates changes',
          status: 'fail',
          detail:
            'An existing-data job copies one snapshot and does not follow later changes: there is no point at which the target holds everything. Create a "both" job to cut over with minutes of downtime.',
        },
  )

  const stateItem = (): ReadinessItem => {
    const label = 'Job is replicating'
    if (job.status === 'cutover') return { id: 'state', label, status: 'fail', detail: 'The job is already cut over.' }
    if (job.status === 'failed')
      return {
        id: 'state',
        label,
        status: 'fail',
        detail: `The job failed: ${job.lastError?.message ?? 'see its log'} Fix it and resume it first.`,
      }
    if (!ctx.running || job.status !== 'running')
      return {
        id: 'state',
        label,
        status: 'fail',
        detail: `The job is ${job.status === 'running' ? 'not running in any process' : job.status}: resume it and let it catch up first.`,
      }
    if (job.stage !== 'incremental')
      return {
        id: 'state',
        label,
        status: 'fail',
        detail: `The job is still in its ${job.stage ?? 'first'} stage: the existing data must be copied first.`,
      }
    return { id: 'state', label, status: 'pass', detail: 'Running, replicating changes.' }
  }
  add(stateItem())

  const blocked = store.blockedDdl(job.id)
  add(
    blocked
      ? {
          id: 'ddl',
          label: 'No DDL holds the job back',
          status: 'fail',
          detail: `A replicated DDL stopped the job (${blocked.statement.slice(0, 120)}): skip or replace it, then resume.`,
        }
      : { id: 'ddl', label: 'No DDL holds the job back', status: 'pass', detail: 'None.' },
  )

  const lowFor = job.lagLowSince ? (now - Date.parse(job.lagLowSince)) / 1000 : null
  const lagLabel = `Lag under 1 s for ${request.readySeconds} s`
  add(
    job.status === 'running' && job.stage === 'incremental' && lowFor !== null && lowFor >= request.readySeconds
      ? {
          id: 'lag',
          label: lagLabel,
          status: 'pass',
          detail: `Lag ${(job.lagSeconds ?? 0).toFixed(1)} s, under 1 s for the last ${fmtSeconds(lowFor)}.`,
        }
      : {
          id: 'lag',
          label: lagLabel,
          status: 'fail',
          detail:
            job.status === 'running' && job.stage === 'incremental'
              ? lowFor !== null
                ? `Lag under 1 s for ${fmtSeconds(lowFor)} so far; wait ${fmtSeconds(request.readySeconds - lowFor)} more.`
                : `Lag is ${job.lagSeconds === null ? 'not measured yet' : `${job.lagSeconds.toFixed(1)} s`}: wait until the job has caught up.`
              : 'Lag is measured while the job replicates.',
        },
  )

  const last = store.lastValidation(job.id)
  const validationLabel = 'Last validation found the tables equal'
  if (!last)
    add({
      id: 'validation',
      label: validationLabel,
      status: 'warning',
      detail:
        "No validation yet: the cutover's final validation compares every table, which takes longer while writes are stopped. Validate now to shorten the freeze.",
    })
  else if (last.status === 'equal')
    add({
      id: 'validation',
      label: validationLabel,
      status: 'pass',
      detail: `Equal at ${last.finishedAt ?? last.startedAt} (${last.tables.length} tables).`,
    })
  else if (last.status === 'running')
    add({
      id: 'validation',
      label: validationLabel,
      status: 'warning',
      detail: 'A validation is running: wait for its result.',
    })
  else {
    const rows = last.tables.reduce((n, t) => n + t.missing + t.extra + t.different, 0)
    const found =
      last.status === 'different'
        ? `found ${rows} differing rows${last.repairSqlPath ? ` (repair SQL: ${last.repairSqlPath})` : ''}`
        : `${last.status}: ${last.error?.message ?? ''}`
    add({
      id: 'validation',
      label: validationLabel,
      status: request.validate === 'none' ? 'fail' : 'warning',
      detail: `The last validation ${found}. The final validation compares every table and stops the cutover if they still differ${request.validate === 'none' ? '; with no final validation chosen, repair and validate first' : ''}.`,
    })
  }

  const continuous = store.continuousValidation(job.id)
  if (continuous) {
    const first = continuous.failedRows[0]
    add(
      continuous.failed > 0
        ? {
            id: 'continuous',
            label: 'Changed rows compared equal',
            status: request.validate === 'none' ? 'fail' : 'warning',
            detail: `Continuous validation lists ${continuous.failed} rows that differ${first ? ` (first: ${first.table} ${rowKeyText(first.key)}, ${first.kind})` : ''}. The final validation compares the changed tables and stops the cutover if they still differ${request.validate === 'none' ? '; with no final validation chosen, repair them first' : ''}.`,
          }
        : {
            id: 'continuous',
            label: 'Changed rows compared equal',
            status: 'pass',
            detail: `Continuous validation: ${continuous.checked} changed rows compared equal, none differs; ${continuous.pending} waiting.`,
          },
    )
  }

  let behind: JobBehind | null = null
  const applied = store.getPosition(job.id, 'applied')
  if ('error' in ctx.source) {
    add({
      id: 'retention',
      label: 'Source keeps the binlogs the job needs',
      status: ctx.source.secretsMissing ? 'warning' : 'fail',
      detail: ctx.source.secretsMissing
        ? `Not checked yet: ${ctx.source.error} They are asked for when the cutover starts, which checks this before it stops any writes.`
        : `The source could not be read: ${ctx.source.error}`,
    })
  } else {
    try {
      const logs = await readBinaryLogs(ctx.source)
      behind = measureBehind(applied, logs, job.appliedEventAt, now)
      const rows = await ctx.source.query<{ Variable_name: string; Value: string }>(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days')",
      )
      const retention = retentionSeconds(new Map(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)])))
      const label = 'Source keeps the binlogs the job needs'
      if (applied?.file && !logs.some((l) => l.name === applied.file))
        add({
          id: 'retention',
          label,
          status: 'fail',
          detail: `${applied.file}, where the job's checkpoint is, is no longer on the source: the job cannot continue from it.`,
        })
      else if (retention > 0 && retention < 86_400)
        add({
          id: 'retention',
          label,
          status: 'warning',
          detail: `Binlogs are purged after ${fmtSeconds(retention)}: if the cutover is postponed, the job may lose its position.`,
        })
      else
        add({
          id: 'retention',
          label,
          status: 'pass',
          detail:
            retention === 0 ? 'Binlogs are not purged automatically.' : `Binlogs are kept ${fmtSeconds(retention)}.`,
        })
    } catch (error) {
      add({
        id: 'retention',
        label: 'Source keeps the binlogs the job needs',
        status: 'fail',
        detail: `SHOW BINARY LOGS failed on the source: ${(error as Error).message}`,
      })
    }
  }
  return {
    jobId: job.id,
    checkedAt: new Date(now).toISOString(),
    ready: items.every((i) => i.status !== 'fail'),
    items,
    behind,
  }
}
