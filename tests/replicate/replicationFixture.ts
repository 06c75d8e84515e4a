/**
 * What the replication suites share: a job run in-process with hooks that record progress, a wait for "caught up"
 * after a given moment, a pause, and a comparison of every table of a database between source and target.
 */
import type { Connection } from 'mysql2/promise'
import { expect } from 'vitest'
import type { JobProgress } from '../../src/shared/domain/events'
import { jobConfigSchema, type JobConfigInput } from '../../src/shared/domain/job'
import { startJob, type RunOptions, type RunningJob } from '../../src/main/engine/jobRunner'
import { openJobStore, type JobStore } from '../../src/main/store/jobStore'
import { recordingHost } from '../existing/jobRun'
import { compareTable } from '../harness/tableComparison'

export interface RunHandle {
  store: JobStore
  jobId: string
  run: RunningJob
  logs: string[]
  progress: JobProgress[]
  /** Resolves once a progress event after `since` says lag 0 in seconds and bytes. */
  caughtUpAfter(since: number, timeoutMs?: number): Promise<void>
  /** Starts the same job again (Restart / resume), in this process. */
  restart(options?: RunOptions): RunHandle
}

export function runJob(
  input: JobConfigInput,
  options: RunOptions = {},
  storePath = ':memory:',
  existing?: { store: JobStore; jobId: string },
): RunHandle {
  const store = existing?.store ?? openJobStore(storePath)
  const config = jobConfigSchema.parse(input)
  const job = existing ? store.getJob(existing.jobId)! : store.createJob(config)
  const logs: string[] = []
  const progress: (JobProgress & { at: number })[] = []
  const hooks = recordingHost(store, {
    log: (e) => logs.push(`${e.level} ${e.code ?? ''} ${e.message}`),
    progress: (p) => progress.push({ ...p, at: Date.now() }),
  })
  const run = startJob(job, config, hooks, { heartbeatSeconds: 0.5, ...options })
  const handle: RunHandle = {
    store,
    jobId: job.id,
    run,
    logs,
    progress,
    async caughtUpAfter(since, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const hit = progress.find(
          (p) => p.at > since + 1100 && p.stage === 'incremental' && p.lagBytes === 0 && p.lagSeconds === 0,
        )
        if (hit) return
        const outcome = await Promise.race([run.done, new Promise((r) => setTimeout(() => r(null), 200))])
        if (outcome !== null)
          throw new Error(`the job ended (${String(outcome)}) before catching up:\n${logs.join('\n')}`)
        if (Date.now() > deadline)
          throw new Error(
            `not caught up within ${timeoutMs} ms; last progress ${JSON.stringify(progress.at(-1))}\n${logs.join('\n')}`,
          )
      }
    },
    restart(again = {}) {
      return runJob(input, again, storePath, { store, jobId: job.id })
    },
  }
  return handle
}

export async function expectSameTables(
  source: Connection,
  target: Connection,
  db: string,
  tables?: string[],
): Promise<void> {
  const names =
    tables ??
    (
      (await source.query(
        'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = ? ORDER BY 1',
        [db, 'BASE TABLE'],
      )) as unknown as [{ n: string }[]]
    )[0].map((r) => r.n)
  expect(names.length).toBeGreaterThan(0)
  for (const table of names) {
    const diff = await compareTable(source, target, db, table)
    expect(diff.firstDifference, `${db}.${table}`).toBeNull()
    expect(diff.targetRows, `${db}.${table}`).toBe(diff.sourceRows)
    expect(diff.targetChecksum, `${db}.${table}`).toBe(diff.sourceChecksum)
  }
}

export async function waitForStage(
  store: JobStore,
  jobId: string,
  stage: string,
  run: RunningJob,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (store.getJob(jobId)?.stage !== stage) {
    const outcome = await Promise.race([run.done, new Promise((r) => setTimeout(() => r(null), 100))])
    if (outcome !== null)
      throw new Error(
        `the job ended (${String(outcome)}) before reaching ${stage}: ${JSON.stringify(store.getJob(jobId)?.lastError)}`,
      )
    if (Date.now() > deadline) throw new Error(`stage ${stage} not reached`)
  }
}
