/** The runner's contract (streaming, isolation of failing checks, timeouts, cancellation, bounded connections) and its speed on 1,000 tables. */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrecheckCheck } from '../../src/main/engine/precheck/check'
import { allChecks } from '../../src/main/engine/precheck/checkList'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import type { PrecheckItem } from '../../src/shared/domain/precheck'
import { connectSource, createUser, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { item, jobFor } from './fixtures'

const TABLES = 1000

describe('runPrecheck', () => {
  const db = uniqueName('pc_runner')
  const big = uniqueName('pc_1000')
  let source: Connection

  beforeAll(async () => {
    source = await connectSource()
    await source.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`)
    // One multi-statement batch: 1,000 round trips would dominate the setup time.
    const ddl = Array.from(
      { length: TABLES },
      (_, i) =>
        `CREATE TABLE \`${big}\`.t${String(i).padStart(4, '0')} (id BIGINT PRIMARY KEY, name VARCHAR(100), amount DECIMAL(12,2), created DATETIME, note TEXT, KEY (name), KEY (created))`,
    )
    await source.query(`CREATE DATABASE \`${big}\`; ${ddl.join('; ')}`)
  }, 300_000)

  afterAll(async () => {
    await source.query(`DROP DATABASE IF EXISTS \`${db}\`; DROP DATABASE IF EXISTS \`${big}\``)
    await source.end()
  })

  it(`finishes on ${TABLES} tables in under 10 s`, async () => {
    const streamed: PrecheckItem[] = []
    const started = performance.now()
    const report = await runPrecheck(jobFor(sourceServer(), targetServer(), { objects: [big] }), { onItem: (i) => streamed.push(i) })
    const seconds = (performance.now() - started) / 1000
    console.log(`precheck of ${TABLES} tables: ${seconds.toFixed(2)} s; slowest items: ${[...report.items].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((i) => `${i.id} ${i.durationMs} ms`).join(', ')}`)
    expect(seconds).toBeLessThan(10)
    expect(item(report, 'table_schema')).toMatchObject({ status: 'pass', message: expect.stringContaining(`${TABLES} tables checked`) })
    expect(report.summary.failed).toBe(0)
    // Every item was streamed as it finished, and the report keeps the check-list order.
    expect(streamed.map((i) => i.id).sort()).toEqual(report.items.map((i) => i.id).sort())
    const order = allChecks.map((c) => c.id)
    expect(report.items.map((i) => order.indexOf(i.id))).toEqual([...report.items.map((i) => order.indexOf(i.id))].sort((a, b) => a - b))
  })

  it('turns a throwing or slow check into a failed item without stopping the others, and stays within its connections', async () => {
    // A user of its own, so connections of suites running in parallel on the shared source do not count.
    const user = uniqueName('pc_pool')
    const created = await createUser(sourceServer(), { user, grants: ['ALL PRIVILEGES ON *.*'] })
    let peak = 0
    const probe: PrecheckCheck = {
      id: 'probe',
      title: 'counts connections',
      appliesTo: () => true,
      async run() {
        const [[row]] = (await source.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user])) as unknown as [[{ n: string }]]
        peak = Number(row.n)
        return { status: 'pass', message: 'ok', fix: '' }
      },
    }
    const throwing: PrecheckCheck = { id: 'throws', title: 'throws', appliesTo: () => true, run: () => Promise.reject(new Error('boom: SELECT denied')) }
    const slow: PrecheckCheck = { id: 'slow', title: 'slow', appliesTo: () => true, run: () => new Promise(() => undefined) }
    const checks = [...allChecks.filter((c) => c.id !== 'replication_privilege'), throwing, slow, probe]
    const asUser = { ...sourceServer(), user: created.user, password: created.password }
    const report = await runPrecheck(jobFor(asUser, targetServer(), { objects: [db] }), { checks, timeoutMs: 1500, poolSize: 2 })
    await source.query('DROP USER ?@?', [user, '%'])
    expect(item(report, 'throws')).toMatchObject({ status: 'failed', message: 'The throws check could not run: boom: SELECT denied' })
    expect(item(report, 'slow')).toMatchObject({ status: 'failed', message: expect.stringContaining('did not finish within 2 s') })
    expect(item(report, 'binlog_format').status).toBe('pass')
    // Two pooled source connections at most, however many checks run at once.
    expect(peak).toBeGreaterThan(0)
    expect(peak).toBeLessThanOrEqual(2)
  })

  it('stops with PRECHECK_CANCELLED when aborted, and closes its connections', async () => {
    const controller = new AbortController()
    const hang: PrecheckCheck = {
      id: 'hang',
      title: 'hang',
      appliesTo: () => true,
      run: (_facts, ctx) => ctx.source('SELECT SLEEP(30)').then(() => ({ status: 'pass', message: '', fix: '' })),
    }
    const running = runPrecheck(jobFor(sourceServer(), targetServer(), { objects: [db] }), { signal: controller.signal, checks: [hang] })
    setTimeout(() => controller.abort(), 500)
    await expect(running).rejects.toMatchObject({ code: 'PRECHECK_CANCELLED' })
  })

  it('throws a coded error before any check when a server cannot be reached', async () => {
    const job = jobFor({ ...sourceServer(), port: 1 }, targetServer(), { objects: [db] })
    const error = await runPrecheck(job).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: expect.stringMatching(/^CONN_/) })
    expect(String((error as Error).message)).not.toContain(sourceServer().password)
  })
})
