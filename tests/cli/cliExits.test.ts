/**
 * `cutover run` always exits: with real processes whose target connections go through the fault proxy, a target
 * that stays unreachable past the retry budget ends the run with exit 1 (job failed), and SIGTERM in each state
 * (precheck against an unanswering target, copy, copy with the target black-holed, replication, reconnect
 * backoff) ends it within 8 s (5 s to reach a safe point, then a forced stop) with the job paused or interrupted (resumable), never left running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openJobStore } from '../../src/main/store/jobStore'
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy'
import { connectSource, connectTarget, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli, until, type CliRun } from './cliProcess'

const exitBoundMs = 8_000

describe('cutover run exits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-exits-'))
  const s = sourceServer()
  const t = targetServer()
  const env = { CUTOVER_SOURCE_PASSWORD: s.password, CUTOVER_TARGET_PASSWORD: t.password }
  const dbs: string[] = []
  const proxies: FaultProxy[] = []
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
  })
  afterAll(async () => {
    for (const p of proxies) await p.close()
    for (const db of dbs) {
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    await Promise.all([source?.end(), target?.end()])
    rmSync(dir, { recursive: true, force: true })
  })

  /** A database with `rows` rows of ~200 bytes, a proxy in front of one side (the target unless named), and a job file. */
  async function setUp(
    name: string,
    type: 'existing' | 'both',
    rows: number,
    {
      exportMBps,
      through = 'target',
      retryMinutes,
    }: { exportMBps?: number; through?: 'source' | 'target'; retryMinutes?: number } = {},
  ) {
    const db = uniqueName(`exits_${name.replace(/-/g, '_')}`)
    dbs.push(db)
    await source.query(`CREATE DATABASE \`${db}\``)
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(200))`)
    await source.query(`INSERT INTO \`${db}\`.t SELECT seq, REPEAT('v', 200) FROM \`${db}\`.seq_1_to_${rows}`)
    const proxy = await startFaultProxy(through === 'source' ? s : t)
    const [sourceAt, targetAt] =
      through === 'source' ? [proxy, { host: '127.0.0.1', port: t.port }] : [{ host: '127.0.0.1', port: s.port }, proxy]
    proxies.push(proxy)
    const file = join(dir, `${name}.yaml`)
    writeFileSync(
      file,
      [
        `name: ${name}`,
        `source: { host: ${sourceAt.host}, port: ${sourceAt.port}, user: ${s.user} }`,
        `target: { host: ${targetAt.host}, port: ${targetAt.port}, user: ${t.user} }`,
        `type: ${type}`,
        `objects: [${db}]`,
        `spec: { concurrency: 2${exportMBps ? `, exportMBps: ${exportMBps}` : ''}${retryMinutes !== undefined ? `, retryMinutes: ${retryMinutes}` : ''} }`,
      ].join('\n'),
    )
    const storePath = join(dir, `${name}.db`)
    const run = () => runCli(['run', file, '--store', storePath, '--accept-warnings'], env)
    const job = () => {
      const store = openJobStore(storePath)
      try {
        return store.findJobByName(name)
      } finally {
        store.close()
      }
    }
    return { db, proxy, run, job }
  }

  /** SIGTERM, then the exit code, which must come within the bound. */
  async function terminate(child: CliRun): Promise<{ code: number | null; ms: number }> {
    const at = Date.now()
    child.kill('SIGTERM')
    const code = await Promise.race([
      child.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), exitBoundMs + 20_000)),
    ])
    const ms = Date.now() - at
    if (code === 'hung') {
      child.kill('SIGKILL')
      throw new Error(`no exit ${ms} ms after SIGTERM:\n${child.output()}`)
    }
    expect(ms, child.output()).toBeLessThan(exitBoundMs)
    console.log(`exited ${ms} ms after SIGTERM with ${code}`)
    return { code, ms }
  }

  it('SIGTERM while the precheck waits on an unanswering target', { timeout: 60_000 }, async () => {
    const { proxy, run, job } = await setUp('sigterm-precheck', 'existing', 100)
    proxy.blackHole('both')
    const child = run()
    await until(() => proxy.acceptedConnections > 0, 'the precheck to connect', 20_000)
    await new Promise((r) => setTimeout(r, 500))
    const { code } = await terminate(child)
    expect(code, child.output()).toBe(130)
    expect(job()?.status ?? 'none').not.toBe('running')
  })

  it('SIGTERM during the copy, and during a copy whose target is black-holed', { timeout: 120_000 }, async () => {
    for (const hole of [false, true]) {
      const { db, run, job, proxy } = await setUp(`sigterm-copy${hole ? '-holed' : ''}`, 'existing', 30_000, {
        exportMBps: 1,
      })
      const child = run()
      await until(() => job()?.stage === 'existing' && job()?.status === 'running', 'the copy to start', 60_000)
      await new Promise((r) => setTimeout(r, 1000))
      if (hole) {
        proxy.blackHole('both')
        await new Promise((r) => setTimeout(r, 1000))
      }
      const { code } = await terminate(child)
      expect(code, child.output()).toBe(130)
      expect(['paused', 'interrupted'], child.output()).toContain(job()?.status)
      if (hole) {
        // Left interrupted by the forced stop: the next run resumes it and copies the rest.
        expect(child.output()).toMatch(/left interrupted and resumes from its checkpoints/)
        proxy.pass()
        const again = run()
        expect(await again.exited, again.output()).toBe(0)
        const diff = await compareTable(source, target, db, 't')
        expect(diff.firstDifference).toBeNull()
        expect(diff.targetRows).toBe(30_000)
      }
    }
  })

  it('SIGTERM while replicating, and in the reconnect backoff', { timeout: 120_000 }, async () => {
    for (const backoff of [false, true]) {
      const { db, run, job, proxy } = await setUp(`sigterm-replicating${backoff ? '-backoff' : ''}`, 'both', 1000)
      const child = run()
      await until(() => /Caught up/.test(child.output()), 'the job to catch up', 60_000)
      if (backoff) {
        proxy.refuse()
        proxy.reset()
        // An idle writer learns of its lost connection when it next writes.
        await source.query(`INSERT INTO \`${db}\`.t VALUES (0, 'after the reset')`)
        await until(() => /Reconnecting in \d+ s/.test(child.output()), 'a reconnect', 30_000)
      }
      const { code } = await terminate(child)
      expect(code, child.output()).toBe(0)
      expect(job()?.status, child.output()).toBe('paused')
    }
  })

  it(
    'a source unreachable past the retry budget ends the run with exit 1 and the job failed',
    { timeout: 240_000 },
    async () => {
      // Each reconnect opens its target session before its source ones: a failed attempt must close it.
      const { run, job, proxy } = await setUp('budget', 'both', 1000, { through: 'source', retryMinutes: 0.25 })
      const child = run()
      await until(() => /Caught up/.test(child.output()), 'the job to catch up', 60_000)
      proxy.refuse()
      proxy.reset()
      const at = Date.now()
      const code = await Promise.race([child.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 180_000))])
      if (code === 'hung') child.kill('SIGKILL')
      expect(code, child.output()).toBe(1)
      expect(child.output()).toMatch(
        /\[RETRY_BUDGET_EXHAUSTED\] Lost the connection to the source \(127\.0\.0\.1:\d+\) and could not get it back in \d+ s/,
      )
      expect(child.output()).toMatch(/fix: Check the network path to the source .*then Resume the job/)
      expect(job()?.status).toBe('failed')
      expect(job()?.lastError?.code).toBe('RETRY_BUDGET_EXHAUSTED')
      console.log(`retry budget spent and exited ${Date.now() - at} ms after the source became unreachable`)
    },
  )
})
