/**
 * The cutover of a replicating job, as a straight line of steps: check readiness; stop the source's writes (the DBA
 * did, or read_only / FLUSH TABLES WITH READ LOCK); take the source's final position once the job's tables have
 * stayed still; wait until the target has applied exactly that; validate the tables changed since the last equal
 * validation (or all, or none); stop the job and record the point. Any failure before the record gives the source
 * its writes back (read_only as it was, the lock released) and leaves the job replicating.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { LogLevel } from '../../../shared/domain/events'
import type {
  CutoverProgress,
  CutoverReadiness,
  CutoverRecord,
  CutoverRequest,
  CutoverStep,
} from '../../../shared/domain/cutover'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { ValidationResult } from '../../../shared/domain/validation'
import type { JobStore, StoredJob } from '../../store/jobStore'
import type { ServerInfo, SqlSession } from '../connect/session'
import { comparePositions } from '../replicate/safeMode'
import { currentPosition } from '../replicate/startPosition'

export interface CutoverContext {
  store: JobStore
  job: StoredJob
  /** Opens a session on the source (the lock, read_only and the positions use their own). */
  openSource(): Promise<SqlSession>
  sourceInfo: ServerInfo
  readiness(): Promise<CutoverReadiness>
  /** The job's tables on the source, `schema.table`. */
  tables(): Promise<string[]>
  /** Compares these tables (the engine's validation: stored, logged). */
  validate(tables: string[]): Promise<ValidationResult>
  /** Stops the job wherever it runs (a pause that keeps its checkpoints). */
  stopJob(): Promise<void>
  /** False once the job stopped running (failed, paused elsewhere). */
  stillRunning(): boolean
  log(level: LogLevel, message: string, code: string): void
  progress(p: CutoverProgress): void
  signal?: AbortSignal
  /** Tests shorten the polls. */
  pollMs?: number
  /** How long the replication's per-table change counts take to reach the store after a change is applied. */
  flushMs?: number
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

const cutoverError = (code: string, message: string, workaround: string) =>
  new CutoverError({ code, stage: 'incremental', message, workaround })

const at = (p: BinlogPosition) => `${p.file}:${p.position}${p.gtidSet ? ` (GTID ${p.gtidSet})` : ''}`

/** What freezing the source did, and how to undo it when the cutover does not complete. */
interface Freeze {
  startedAt: number
  /** Ends the freeze's session; `restore`: give the source its writes back (read_only as it was). */
  release(restore: boolean): Promise<void>
  /** read_only was set and is left on after a completed cutover. */
  leavesReadOnly: boolean
}

async function freezeSource(ctx: CutoverContext, request: CutoverRequest): Promise<Freeze> {
  if (request.freeze === 'manual')
    return { startedAt: Date.now(), release: async () => undefined, leavesReadOnly: false }
  const session = await ctx.openSource()
  try {
    if (request.freeze === 'lock') {
      await session.query('FLUSH TABLES WITH READ LOCK')
      return {
        startedAt: Date.now(),
        leavesReadOnly: false,
        release: async () => {
          await session.query('UNLOCK TABLES').catch(() => undefined)
          await session.close().catch(() => undefined)
        },
      }
    }
    const [row] = await session.query<{ ro: string | number }>('SELECT @@GLOBAL.read_only AS ro')
    const before = Number(row?.ro ?? 0) === 1 ? 'ON' : 'OFF'
    await session.query('SET GLOBAL read_only = ON')
    return {
      startedAt: Date.now(),
      leavesReadOnly: true,
      release: async (restore) => {
        if (restore) await session.query(`SET GLOBAL read_only = ${before}`).catch(() => undefined)
        await session.close().catch(() => undefined)
      },
    }
  } catch (error) {
    await session.close().catch(() => undefined)
    throw cutoverError(
      'CUTOVER_FREEZE_FAILED',
      `The source refused ${request.freeze === 'lock' ? 'FLUSH TABLES WITH READ LOCK' : 'SET GLOBAL read_only = ON'}: ${(error as Error).message}`,
      request.freeze === 'lock'
        ? 'Grant RELOAD to the job\'s source account, or stop the writes yourself and choose "writes already stopped".'
        : 'Grant SUPER (MySQL: SYSTEM_VARIABLES_ADMIN; MariaDB: READ ONLY ADMIN or SUPER) to the job\'s source account, or stop the writes yourself and choose "writes already stopped".',
    )
  }
}

export async function finishJob(ctx: CutoverContext, request: CutoverRequest): Promise<CutoverRecord> {
  const { store, job } = ctx
  const pollMs = ctx.pollMs ?? 200
  const flushMs = ctx.flushMs ?? 1500
  const startedAt = new Date()
  const step = (s: CutoverStep, message: string) => {
    ctx.progress({ jobId: job.id, step: s, message, at: new Date().toISOString(), error: null })
    ctx.log('info', message, `CUTOVER_${s.toUpperCase()}`)
  }
  const checkAbort = () => {
    if (ctx.signal?.aborted)
      throw cutoverError(
        'CUTOVER_CANCELLED',
        'The cutover was cancelled.',
        'The job keeps replicating; start the cutover again when ready.',
      )
  }

  let freeze: Freeze | null = null
  let position: SqlSession | null = null
  let recorded = false
  try {
    if (request.freeze !== 'manual' && !request.confirmFreeze) {
      throw cutoverError(
        'CUTOVER_FREEZE_NOT_CONFIRMED',
        `Stopping the source's writes with ${request.freeze === 'lock' ? 'FLUSH TABLES WITH READ LOCK' : 'SET GLOBAL read_only = ON'} changes the source server, and was not confirmed.`,
        'Confirm it (the checkbox in the app, --yes in the CLI), or stop the writes yourself and choose "writes already stopped".',
      )
    }
    step('checking', 'Cutover: checking that the job is ready.')
    const readiness = await ctx.readiness()
    const failed = readiness.items.filter((i) => i.status === 'fail')
    if (failed.length > 0) {
      throw cutoverError(
        'CUTOVER_NOT_READY',
        `The job is not ready to cut over: ${failed.map((i) => `${i.label}: ${i.detail}`).join(' ')}`,
        'Fix the items that failed (the readiness list says how), then start the cutover again.',
      )
    }
    const tables = await ctx.tables()

    step(
      'freezing',
      request.freeze === 'manual'
        ? "Cutover: the source's writes were stopped by the DBA; checking that the job's tables stay still."
        : request.freeze === 'lock'
          ? "Cutover: stopping the source's writes with FLUSH TABLES WITH READ LOCK (released when the cutover ends)."
          : "Cutover: stopping the source's writes with SET GLOBAL read_only = ON (left on once cut over).",
    )
    freeze = await freezeSource(ctx, request)
    const frozenAt = freeze.startedAt
    const leavesReadOnly = freeze.leavesReadOnly
    const source = await ctx.openSource()
    position = source
    const waitApplied = async (target: BinlogPosition) => {
      const deadline = Date.now() + request.applyTimeoutSeconds * 1000
      for (;;) {
        checkAbort()
        const applied = store.getPosition(job.id, 'applied')
        if (applied?.file && comparePositions(applied, target) >= 0) return
        if (!ctx.stillRunning()) {
          const now = store.getJob(job.id)
          throw cutoverError(
            'CUTOVER_JOB_STOPPED',
            `The job stopped (${now?.status ?? 'deleted'}${now?.lastError ? `: ${now.lastError.message}` : ''}) before the target applied ${at(target)}.`,
            'Fix what stopped it and resume the job; then start the cutover again. The source has its writes back.',
          )
        }
        if (Date.now() > deadline) {
          throw cutoverError(
            'CUTOVER_APPLY_TIMEOUT',
            `The target had not applied the source's position ${at(target)} after ${request.applyTimeoutSeconds} s (applied: ${applied ? at(applied) : 'none'}).`,
            "Look at the job's lag and log; start the cutover again once it has caught up. The source has its writes back.",
          )
        }
        await sleep(pollMs, ctx.signal)
      }
    }
    const changeCounts = () => new Map(store.listTableChanges(job.id).map((c) => [c.table, c.rows]))

    // Still: the job's tables gain no row change between two positions `stillSeconds` apart, both applied. Writes to
    // other databases of a shared server may go on; they are outside the job.
    step('still', `Cutover: waiting until the job's tables stay still for ${request.stillSeconds} s.`)
    const deadline = Date.now() + request.applyTimeoutSeconds * 1000
    let first = await currentPosition(source, ctx.sourceInfo)
    await waitApplied(first)
    await sleep(flushMs, ctx.signal)
    let before = changeCounts()
    let final: BinlogPosition
    for (;;) {
      await sleep(request.stillSeconds * 1000, ctx.signal)
      checkAbort()
      final = await currentPosition(source, ctx.sourceInfo)
      await waitApplied(final)
      await sleep(flushMs, ctx.signal)
      const after = changeCounts()
      const moving = [...after].filter(([t, n]) => n !== (before.get(t) ?? 0)).map(([t]) => t)
      if (moving.length === 0) break
      if (Date.now() > deadline) {
        throw cutoverError(
          'CUTOVER_SOURCE_WRITTEN',
          `The source kept changing the job's tables (${moving.slice(0, 10).join(', ')}) for ${request.applyTimeoutSeconds} s after the writes were to stop${request.freeze === 'read_only' ? ': an account with SUPER (or READ ONLY ADMIN) writes despite read_only' : ''}.`,
          'Find and stop the writer (SHOW PROCESSLIST on the source), then start the cutover again. The source has its writes back.',
        )
      }
      ctx.log(
        'warning',
        `Cutover: ${moving.slice(0, 10).join(', ')} still changed on the source; waiting for them to stay still.`,
        'CUTOVER_SOURCE_MOVING',
      )
      first = final
      before = after
    }
    step('applying', `Cutover: the target has applied the source's final position ${at(final)}.`)

    let validation: ValidationResult | null = null
    let scopeTables: string[] = []
    if (request.validate !== 'none') {
      const last = store.lastValidation(job.id)
      const covered =
        last?.status === 'equal'
          ? new Set(last.tables.filter((t) => t.status === 'equal').map((t) => t.table))
          : new Set<string>()
      const changedSince = last?.status === 'equal' ? Date.parse(last.startedAt) : -Infinity
      const changed = new Set(
        store
          .listTableChanges(job.id)
          .filter((c) => Date.parse(c.lastAt) >= changedSince)
          .map((c) => c.table),
      )
      scopeTables = request.validate === 'all' ? tables : tables.filter((t) => !covered.has(t) || changed.has(t))
      step(
        'validating',
        scopeTables.length === 0
          ? 'Cutover: no table changed since the last equal validation; nothing to compare.'
          : `Cutover: validating ${scopeTables.length} ${request.validate === 'all' ? '' : 'changed or not yet validated '}table${scopeTables.length === 1 ? '' : 's'}.`,
      )
      if (scopeTables.length > 0) {
        validation = await ctx.validate(scopeTables)
        if (validation.status !== 'equal') {
          const rows = validation.tables.reduce((n, t) => n + t.missing + t.extra + t.different, 0)
          throw cutoverError(
            'CUTOVER_VALIDATION_FAILED',
            validation.status === 'different'
              ? `The final validation found ${rows} differing rows in ${validation.tables
                  .filter((t) => t.status !== 'equal')
                  .map((t) => t.table)
                  .join(', ')} at the final position.`
              : `The final validation ${validation.status}: ${validation.error?.message ?? ''}`,
            `${validation.repairSqlPath ? `Review and run the repair SQL in ${validation.repairSqlPath} on the target, then start` : 'Start'} the cutover again. The source has its writes back and the job keeps replicating.`,
          )
        }
      }
    }

    step('recording', 'Cutover: stopping the job and recording the cutover point.')
    await ctx.stopJob()
    const finishedAt = new Date()
    const record: CutoverRecord = {
      jobId: job.id,
      position: final,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      freeze: request.freeze,
      freezeMs: finishedAt.getTime() - frozenAt,
      sourceReadOnly: leavesReadOnly,
      validation: {
        id: validation?.id ?? null,
        scope: request.validate,
        tables: scopeTables.length,
        status: request.validate === 'none' ? 'not validated' : validation ? validation.status : 'no table changed',
      },
      rowsCopied: store.listChunks(job.id).reduce((n, c) => n + (c.state === 'done' ? c.rows : 0), 0),
      rowsReplicated: store.listTableChanges(job.id).reduce((n, c) => n + c.rows, 0),
    }
    store.saveCutover(record)
    store.updateJob(job.id, { status: 'cutover', finishedAt: record.finishedAt, lagSeconds: null, lagLowSince: null })
    recorded = true
    const freezeNote =
      request.freeze === 'read_only'
        ? ' The source stays read_only = ON (SET GLOBAL read_only = OFF undoes it).'
        : request.freeze === 'lock'
          ? ' The read lock is released now: the source accepts writes again, which no longer reach the target.'
          : ''
    step(
      'done',
      `Cut over at ${at(final)}; writes were stopped for ${(record.freezeMs / 1000).toFixed(1)} s.${freezeNote}`,
    )
    return record
  } catch (error) {
    const coded =
      error instanceof CutoverError
        ? error
        : cutoverError(
            'CUTOVER_FAILED',
            `The cutover failed: ${(error as Error).message}`,
            'Fix the cause and start the cutover again. The source has its writes back and the job keeps replicating.',
          )
    ctx.progress({
      jobId: job.id,
      step: 'failed',
      message: coded.message,
      at: new Date().toISOString(),
      error: coded.toShape(),
    })
    ctx.log('error', `${coded.message} Fix: ${coded.workaround}`, coded.code)
    throw coded
  } finally {
    await position?.close().catch(() => undefined)
    // A completed cutover keeps read_only on; every other end gives the source its writes back.
    await freeze?.release(!recorded)
  }
}
