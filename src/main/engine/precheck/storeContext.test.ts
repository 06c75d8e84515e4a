/**
 * The precheck's view of the job store, and downstream_table_empty acting on it: a resumed job's own tables are
 * not "foreign rows", and the fix offered for rows that are foreign is one the job accepts.
 */
import { describe, expect, it } from 'vitest'
import { precheckFixText } from '../../../shared/domain/fixWording'
import { jobConfigSchema } from '../../../shared/domain/job'
import { openJobStore } from '../../store/jobStore'
import type { CheckContext } from './check'
import { downstreamTableEmptyCheck } from './checks/downstreamTableEmpty'
import type { PrecheckFacts, TableFacts } from './precheckFacts'
import { tableKey } from './precheckFacts'
import { jobResumedBy, precheckStoreContext } from './storeContext'

const config = jobConfigSchema.parse({
  name: 'shop-physical',
  source: { host: 'db', user: 'migrator' },
  target: { host: 'tidb', port: 4000, user: 'root' },
  type: 'existing',
  mode: 'physical',
  objects: ['shop'],
})

const chunk = (table: string, chunkIndex: number, state: 'pending' | 'started' | 'done') => ({
  table,
  chunkIndex,
  lower: null,
  upper: null,
  state,
  rows: state === 'done' ? 10 : 0,
  bytes: 0,
  redo: 'fresh' as const,
})

describe('precheckStoreContext', () => {
  it('counts every table the job has checkpoints for as its own, pending-only ones included, and names the job', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    store.saveChunks(job.id, [chunk('shop.orders', 0, 'done'), chunk('shop.orders', 1, 'started')])
    // Planned but not started when the run was killed: the plan was stored after the table was found empty.
    store.saveChunks(job.id, [chunk('shop.events', 0, 'pending')])
    const context = precheckStoreContext(store, job)
    expect(context.resumedTables.sort()).toEqual(['shop.events', 'shop.orders'])
    expect(context.resumedJob).toBe('shop-physical')
    expect(context.activeJobs).toEqual([])
    // A job not stored yet owns no table; the stored one is another job to it.
    const fresh = precheckStoreContext(store, null)
    expect(fresh.resumedTables).toEqual([])
    expect(fresh.resumedJob).toBeNull()
    expect(fresh.activeJobs.map((j) => j.name)).toEqual(['shop-physical'])
    store.close()
  })

  it('finds the job a run of the same file resumes; settings that differ (mode, objects) make another job', () => {
    const store = openJobStore(':memory:')
    store.createJob(config)
    expect(jobResumedBy(store, { ...config, spec: { ...config.spec, concurrency: 9 } })?.name).toBe('shop-physical')
    expect(jobResumedBy(store, { ...config, mode: 'logical' })).toBeNull()
    expect(jobResumedBy(store, { ...config, name: 'other' })).toBeNull()
    store.close()
  })
})

describe('downstream_table_empty', () => {
  const orders = { schema: 'shop', name: 'orders', kind: 'table' } as TableFacts
  const events = { schema: 'shop', name: 'events', kind: 'table' } as TableFacts
  const facts = (over: Partial<PrecheckFacts>) =>
    ({
      config,
      tables: [orders, events],
      targetTables: new Map([
        [tableKey('shop', 'orders', false), orders],
        [tableKey('shop', 'events', false), events],
      ]),
      resumedTables: new Set<string>(),
      ...over,
    }) as PrecheckFacts
  /** A target on which every queried table has rows; records which tables were asked about. */
  const asked: string[][] = []
  const everyTableHasRows: CheckContext = {
    signal: new AbortController().signal,
    target: ((_sql: string, params: string[]) => {
      asked.push(params)
      return Promise.resolve(params.map((t) => ({ t })))
    }) as CheckContext['target'],
    source: () => Promise.reject(new Error('no source here')),
    openDedicatedSession: () => Promise.reject(new Error('no sessions here')),
  } as CheckContext

  it('does not look at the tables a resumed job has checkpoints for', async () => {
    asked.length = 0
    const item = await downstreamTableEmptyCheck.run(
      facts({ resumedTables: new Set(['shop.orders', 'shop.events']), resumedJob: 'shop-physical' }),
      everyTableHasRows,
    )
    expect(item.status).toBe('pass')
    expect(asked.flat()).toEqual([])
  })

  it('a new job: TRUNCATE, or mode: logical (which a new job accepts)', async () => {
    const item = await downstreamTableEmptyCheck.run(facts({}), everyTableHasRows)
    expect(item.status).toBe('failed')
    expect(item.fix).toContain('TRUNCATE TABLE `shop`.`orders`;')
    // The mode change is worded by the surface: the job file on the CLI, step 2 in the app.
    expect(precheckFixText(item, 'cli')).toContain('or set mode: logical in the job file')
    expect(precheckFixText(item, 'app')).toContain('or choose Logical mode in step 2, Job type')
    expect(item.fix).not.toMatch(/job file|mode:/)
  })

  it('a resumed job with rows it did not write: names the job, and does not offer a mode change it would refuse', async () => {
    const item = await downstreamTableEmptyCheck.run(
      facts({ resumedTables: new Set(['shop.orders']), resumedJob: 'shop-physical' }),
      everyTableHasRows,
    )
    expect(item.status).toBe('failed')
    expect(item.message).toContain('shop.events already has rows that job "shop-physical" did not write')
    expect(item.fix).toContain('TRUNCATE TABLE `shop`.`events`;')
    expect(item.fix).not.toContain('orders')
    expect(precheckFixText(item, 'cli')).not.toContain('or set mode: logical in the job file')
    expect(item.fix).toContain('give the job file a new name')
  })
})
