/**
 * Runs the precheck as a straight line: connect both sides (a small shared pool each), identify the
 * servers, gather the facts once, run every applicable check in parallel — each bounded by its own timeout
 * and the abort signal, each reported the moment it ends — then tear everything down in one place.
 */
import { setMaxListeners } from 'node:events'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError } from '../../../shared/domain/errors'
import type { JobConfig } from '../../../shared/domain/job'
import {
  summarize,
  type PrecheckItem,
  type PrecheckReport,
  type PrecheckServerSummary,
} from '../../../shared/domain/precheck'
import { openRoute, openSessionOnRoute, type ConnectRoute, type Side } from '../connect/openSession'
import { detectServer } from '../connect/serverInfo'
import type { ServerInfo, SqlSession } from '../connect/session'
import type { CheckContext, CheckOutcome, PrecheckCheck } from './check'
import { allChecks } from './checkList'
import { gatherFacts, type ActiveJob } from './precheckFacts'
import { createSessionPool, type SessionPool } from './sessionPool'

export interface RunPrecheckOptions {
  signal?: AbortSignal
  /** Called as each item finishes, in completion order (the report keeps the check-list order). */
  onItem?: (item: PrecheckItem) => void
  /** Per check; DM uses 30 s per query. */
  timeoutMs?: number
  /** Other jobs of the store, for physical_single_job and shared_target_tables; none when run without a store. */
  activeJobs?: ActiveJob[]
  /** For a job being resumed: the `db.table` names it already started loading (see PrecheckFacts). */
  resumedTables?: readonly string[]
  /** The stored job's name when it is being resumed (see PrecheckFacts). */
  resumedJob?: string | null
  /** Connections per side shared by all checks. */
  poolSize?: number
  /** Replaces the check list (tests). */
  checks?: readonly PrecheckCheck[]
}

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_POOL_SIZE = 3

function endpoint(profile: ConnectionProfile): string {
  return `${profile.user}@${profile.host}:${profile.port}`
}

function cancelled(): CutoverError {
  return new CutoverError({
    code: 'PRECHECK_CANCELLED',
    stage: 'precheck',
    retryable: true,
    message: 'The precheck was cancelled.',
    workaround: 'Run it again when ready.',
  })
}

/** Resolves with the check's outcome, or a failed outcome on throw, timeout or abort — never rejects. */
async function runBounded(
  check: PrecheckCheck,
  run: () => Promise<CheckOutcome>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const limits = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: 'failed',
          message: `The check did not finish within ${Math.round(timeoutMs / 1000)} s (a slow or locked server?).`,
          fix: 'Run the precheck again; if it keeps timing out, check the server load and the network path.',
        }),
      timeoutMs,
    )
    onAbort = () => resolve({ status: 'failed', message: 'Cancelled.', fix: '' })
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([
      run().catch((error: unknown): CheckOutcome => ({
        status: 'failed',
        message: `The ${check.id} check could not run: ${error instanceof Error ? error.message : String(error)}`,
        fix:
          error instanceof CutoverError
            ? error.workaround
            : 'Check that the user can run the statement named above, then run the precheck again.',
      })),
      limits,
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Both sides at once; whatever opened is handed to `opened` for teardown even when the other side fails,
 * so an unreachable source never leaves the target's connection (and the process) hanging.
 */
async function settleBoth<T>(opened: T[], a: Promise<T>, b: Promise<T>): Promise<[T, T]> {
  const [ra, rb] = await Promise.allSettled([a, b])
  for (const r of [ra, rb]) if (r.status === 'fulfilled') opened.push(r.value)
  if (ra.status === 'rejected') throw ra.reason
  if (rb.status === 'rejected') throw rb.reason
  return [ra.value, rb.value]
}

function serverSummary(profile: ConnectionProfile, info: ServerInfo): PrecheckServerSummary {
  return { endpoint: endpoint(profile), flavor: info.flavor, version: info.version, versionString: info.versionString }
}

export async function runPrecheck(config: JobConfig, options: RunPrecheckOptions = {}): Promise<PrecheckReport> {
  // One internal signal that every check and connection listens to, linked to the caller's: thirty
  // listeners on the caller's own signal would trip Node's leak warning.
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  const signal = controller.signal
  const forwardAbort = () => controller.abort()
  if (options.signal?.aborted) controller.abort()
  options.signal?.addEventListener('abort', forwardAbort, { once: true })
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE
  const startedAt = new Date().toISOString()
  const routes: ConnectRoute[] = []
  const pools: SessionPool[] = []
  const dedicated = new Set<SqlSession>()

  try {
    if (signal.aborted) throw cancelled()
    const [sourceRoute, targetRoute] = await settleBoth(
      routes,
      openRoute(config.source, { signal }),
      openRoute(config.target, { signal }),
    )
    const open = (route: ConnectRoute, side: Side) => () => openSessionOnRoute(route, side, { signal })
    const [source, target] = await settleBoth(
      pools,
      createSessionPool(open(sourceRoute, 'source'), poolSize),
      createSessionPool(open(targetRoute, 'target'), poolSize),
    )
    const [sourceInfo, targetInfo] = await Promise.all([
      source.withSession(detectServer),
      target.withSession(detectServer),
    ])
    if (signal.aborted) throw cancelled()

    let facts
    try {
      facts = await gatherFacts({
        config,
        source: { query: source.query, info: sourceInfo, endpoint: endpoint(config.source) },
        target: { query: target.query, info: targetInfo, endpoint: endpoint(config.target) },
        activeJobs: options.activeJobs ?? [],
        resumedTables: options.resumedTables ?? [],
        resumedJob: options.resumedJob ?? null,
      })
    } catch (error) {
      if (signal.aborted) throw cancelled()
      throw new CutoverError({
        code: 'PRECHECK_FACTS_FAILED',
        stage: 'precheck',
        retryable: true,
        message: `Could not read the servers' settings and schema: ${error instanceof Error ? error.message : String(error)}`,
        workaround:
          'The users need to read information_schema and run SHOW GLOBAL VARIABLES and SHOW GRANTS; check the connection and run the precheck again.',
      })
    }

    const ctx: CheckContext = {
      signal,
      source: source.query,
      target: target.query,
      async openDedicatedSession(side) {
        const session = await openSessionOnRoute(side === 'source' ? sourceRoute : targetRoute, side, { signal })
        dedicated.add(session)
        return {
          ...session,
          close: async () => {
            dedicated.delete(session)
            await session.close()
          },
        }
      },
    }
    const servers = { source: sourceInfo, target: targetInfo }
    const checks = (options.checks ?? allChecks).filter((c) => c.appliesTo(config, servers))
    const items = await Promise.all(
      checks.map(async (check): Promise<PrecheckItem> => {
        const began = performance.now()
        const outcome = await runBounded(check, () => check.run(facts, ctx), timeoutMs, signal)
        const item: PrecheckItem = {
          id: check.id,
          title: check.title,
          ...outcome,
          durationMs: Math.round(performance.now() - began),
        }
        if (!signal.aborted) options.onItem?.(item)
        return item
      }),
    )
    if (signal.aborted) throw cancelled()
    return {
      jobName: config.name,
      startedAt,
      finishedAt: new Date().toISOString(),
      source: serverSummary(config.source, sourceInfo),
      target: serverSummary(config.target, targetInfo),
      items,
      summary: summarize(items),
    }
  } catch (error) {
    if (signal.aborted && !(error instanceof CutoverError && error.code === 'PRECHECK_CANCELLED')) throw cancelled()
    throw error
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort)
    for (const session of dedicated) session.raw.destroy()
    await Promise.all([...dedicated].map((s) => s.close().catch(() => undefined)))
    await Promise.all(pools.map((p) => p.close()))
    await Promise.all(routes.map((r) => r.close().catch(() => undefined)))
  }
}
