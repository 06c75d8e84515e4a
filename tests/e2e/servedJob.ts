/**
 * What the specs that run a job end to end share: a source and a target MariaDB of their own, users without a
 * password (so the bridge has none to ask for, also after it restarts), and `cutover serve` over a store that
 * already holds the job.
 */
import { test, type Page } from '@playwright/test'
import type { JobConfigInput } from '../../src/shared/domain/job'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore, type JobStore, type StoredJob } from '../../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../harness/mariadb'
import { serveApp, type ServedApp } from '../harness/cutoverServe'

export interface ServedJob {
  app: ServedApp
  source: MariaDbServer
  target: MariaDbServer
  stop(): Promise<void>
}

export interface ServedJobOptions {
  /** Names the servers in errors: `<label>-source`, `<label>-target`. */
  label: string
  /** Whether the source writes a binlog the job can replicate. */
  binlog: boolean
  /** Creates the schema and rows, on one or both servers. */
  prepare(source: MariaDbServer, target: MariaDbServer): Promise<void>
  /** The job's user on each server, and what it is granted; by default `migrator` and `loader`, granted everything. */
  users?: { source: { user: string; grants: string[] }; target: { user: string; grants: string[] } }
  /** The job, without its connections (they are the servers above, as the users above). */
  job: Omit<JobConfigInput, 'source' | 'target'>
  /** Changes the stored job before the bridge opens the store, as a previous run would have left it. */
  stored?(store: JobStore, job: StoredJob): void
}

const everything = {
  source: { user: 'migrator', grants: ['ALL PRIVILEGES ON *.*'] },
  target: { user: 'loader', grants: ['ALL PRIVILEGES ON *.*'] },
}

export async function serveJob(options: ServedJobOptions): Promise<ServedJob> {
  const users = options.users ?? everything
  const [source, target] = await Promise.all([
    startMariaDb({
      name: `${options.label}-source`,
      binlog: options.binlog ? { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } : null,
    }),
    startMariaDb({ name: `${options.label}-target` }),
  ])
  const stopServers = () => Promise.all([source.stop(), target.stop()]).then(() => undefined)
  try {
    await options.prepare(source, target)
    await source.createUser({ ...users.source, password: '', host: '127.0.0.1' })
    await target.createUser({ ...users.target, password: '', host: '127.0.0.1' })
    const app = await serveApp({
      prepareStore(path) {
        const store = openJobStore(path)
        const job = store.createJob(
          jobConfigSchema.parse({
            ...options.job,
            source: { host: '127.0.0.1', port: source.port, user: users.source.user },
            target: { host: '127.0.0.1', port: target.port, user: users.target.user },
          }),
        )
        options.stored?.(store, job)
        store.close()
      },
    })
    return {
      app,
      source,
      target,
      async stop() {
        await app.stop()
        await stopServers()
      },
    }
  } catch (error) {
    await stopServers()
    throw error
  }
}

/** Serves the job for the spec file: started before its first test (2 min allowed), stopped after its last. */
export function useServedJob(options: ServedJobOptions): Omit<ServedJob, 'stop'> {
  let served: ServedJob | undefined
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    served = await serveJob(options)
  })
  test.afterAll(async () => {
    await served?.stop()
  })
  const get = (): ServedJob => {
    if (!served) throw new Error(`the servers of ${options.label} are not started`)
    return served
  }
  return {
    get app() {
      return get().app
    },
    get source() {
      return get().source
    },
    get target() {
      return get().target
    },
  }
}

/** Opens the job's page from the jobs list at 1024×700 and starts it. */
export async function startFromJobPage(page: Page, served: Pick<ServedJob, 'app'>, name: string): Promise<void> {
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(served.app.url)
  await page.locator(`tr[data-job="${name}"]`).getByRole('button', { name, exact: true }).click()
  await page.getByRole('button', { name: 'Start', exact: true }).click()
}
