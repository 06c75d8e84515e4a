/**
 * The fault-injection suite: a `both` job whose source and target connections each go through a fault proxy, under
 * a write workload on the source (inserts, updates and deletes on a keyed table, a table with a unique secondary
 * key, and a table without a key). Each fault — a reset of every connection, connections refused for a few seconds,
 * a black hole (no byte either way, no FIN, no RST) for a few seconds — is applied once in the copy and once in
 * replication, on one side per job. Every fault shorter than the retry budget must heal by itself (the job reconnects
 * from its checkpoints) and end with equal tables; one that lasts longer than the (shortened) budget must end the job
 * with RETRY_BUDGET_EXHAUSTED, not a hang. Timeouts are shortened through the profiles (query 3 s, connect 2 s), the
 * heartbeat to 0.5 s and the backoff (250 ms doubling to 2 s) through RunOptions.
 *
 * Prints a table: fault × stage × side → outcome, time to heal (fault → the job moving again).
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy'
import { connectSource, connectTarget, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob, waitForStage, type RunHandle } from '../replicate/replicationFixture'
import { copiedPositions } from '../../src/main/engine/replicate/copiedTables'

type Fault = 'reset' | 'refuse' | 'blackHole'
type Side = 'source' | 'target'

/** How long a refuse or black hole lasts: longer than the query timeout, far shorter than the budget. */
const faultMs = 5000
const queryTimeoutMs = 3000
const connectTimeoutMs = 2000
const runOptions = { heartbeatSeconds: 0.5, targetChunkBytes: 128 * 1024, retry: { baseMs: 250, capMs: 2000 } }

interface Outcome {
  fault: Fault
  stage: 'copy' | 'replication'
  side: Side
  outcome: string
  healMs: number | null
}
const outcomes: Outcome[] = []

describe('fault injection', () => {
  const dbs: string[] = []
  let source: Connection
  let target: Connection
  const proxies: Record<Side, FaultProxy | null> = { source: null, target: null }

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget()
    proxies.source = await startFaultProxy(sourceServer())
    proxies.target = await startFaultProxy(targetServer())
  })
  afterAll(async () => {
    await proxies.source?.close()
    await proxies.target?.close()
    for (const db of dbs) {
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    await Promise.all([source?.end(), target?.end()])
    const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)
    const rows = outcomes.map((o) => {
      const held = o.fault === 'reset' || o.healMs === null ? 0 : faultMs
      return `| ${o.fault} | ${o.stage} | ${o.side} | ${o.outcome} | ${seconds(o.healMs)} | ${seconds(o.healMs === null ? null : o.healMs - held)} |`
    })
    console.log(
      [
        `| fault (${faultMs / 1000} s) | stage | side | outcome | moving again after the fault began | after the path passed |`,
        '|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    )
  })

  /** A database of three small tables on the source; the copy of ~2.5 MB at 0.5 MB/s takes about 5 s. */
  async function createTables(): Promise<string> {
    const db = uniqueName('faults')
    dbs.push(db)
    await source.query(`CREATE DATABASE \`${db}\``)
    await source.query(`CREATE TABLE \`${db}\`.k (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(200))`)
    await source.query(
      `INSERT INTO \`${db}\`.k SELECT seq, seq % 97, REPEAT(CHAR(65 + seq % 26), 200) FROM \`${db}\`.seq_1_to_10000`,
    )
    await source.query(`CREATE TABLE \`${db}\`.u (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, n INT)`)
    await source.query(`INSERT INTO \`${db}\`.u SELECT seq, CONCAT('c', seq), 0 FROM \`${db}\`.seq_1_to_2000`)
    // Smaller than a chunk of k, so its one chunk is copied last (the copy takes the largest chunks first).
    await source.query(`CREATE TABLE \`${db}\`.nokey (a INT, b VARCHAR(40))`)
    await source.query(`INSERT INTO \`${db}\`.nokey SELECT seq, CONCAT('row ', seq) FROM \`${db}\`.seq_1_to_2000`)
    await source.query(`ANALYZE TABLE \`${db}\`.k, \`${db}\`.u, \`${db}\`.nokey`)
    return db
  }

  /** Writes until stopped: each round inserts, updates and deletes on every table. */
  function workload(db: string) {
    let writing = true
    let round = 0
    const done = (async () => {
      while (writing) {
        round++
        await source.query(`INSERT INTO \`${db}\`.k VALUES (?, ?, 'new')`, [100_000 + round, round])
        await source.query(`UPDATE \`${db}\`.k SET n = n + 1 WHERE id = ?`, [(round * 37) % 10_000])
        await source.query(`DELETE FROM \`${db}\`.k WHERE id = ?`, [(round * 53) % 10_000])
        await source.query(`INSERT INTO \`${db}\`.u VALUES (?, ?, ?)`, [100_000 + round, `n${round}`, round])
        await source.query(`UPDATE \`${db}\`.u SET code = CONCAT(code, 'x') WHERE id = ?`, [(round * 7) % 2000])
        await source.query(`INSERT INTO \`${db}\`.nokey VALUES (?, 'new')`, [1000 + round])
        await source.query(`UPDATE \`${db}\`.nokey SET b = 'changed' WHERE a = ?`, [round % 2000])
        await source.query(`DELETE FROM \`${db}\`.nokey WHERE a = ?`, [(round * 3) % 2000])
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    return {
      get rounds() {
        return round
      },
      async stop() {
        writing = false
        await done
      },
    }
  }

  /** Applies the fault; resolves when the path passes again (a reset passes at once). */
  async function apply(fault: Fault, proxy: FaultProxy): Promise<void> {
    if (fault === 'reset') return proxy.reset()
    if (fault === 'refuse') {
      proxy.refuse()
      proxy.reset()
    } else proxy.blackHole('both')
    await new Promise((r) => setTimeout(r, faultMs))
    proxy.pass()
  }

  /** Milliseconds from `since` until the job logs that it moves again after a retry. */
  async function healed(job: RunHandle, since: number, seen: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const reconnected = job.logs.filter((l) => l.includes('JOB_RECONNECTED'))
      if (reconnected.length > seen) return Date.now() - since
      const outcome = await Promise.race([job.run.done, new Promise((r) => setTimeout(() => r(null), 50))])
      if (outcome !== null)
        throw new Error(`the job ended (${String(outcome)}) instead of healing:\n${job.logs.join('\n')}`)
      if (Date.now() > deadline) throw new Error(`not healed within ${timeoutMs} ms:\n${job.logs.join('\n')}`)
    }
  }
  const reconnects = (job: RunHandle) => job.logs.filter((l) => l.includes('JOB_RECONNECTED')).length

  function config(db: string, retryMinutes: number) {
    const through = (side: Side) => ({
      ...(side === 'source' ? sourceServer() : targetServer()),
      host: proxies[side]!.host,
      port: proxies[side]!.port,
      queryTimeoutMs,
      connectTimeoutMs,
    })
    return {
      name: `faults-${db.slice(-8)}`,
      source: through('source'),
      target: through('target'),
      type: 'both' as const,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0.5, retryMinutes },
    }
  }

  describe.each([
    { fault: 'reset' as const, side: 'source' as const },
    { fault: 'reset' as const, side: 'target' as const },
    { fault: 'refuse' as const, side: 'source' as const },
    { fault: 'refuse' as const, side: 'target' as const },
    { fault: 'blackHole' as const, side: 'source' as const },
    { fault: 'blackHole' as const, side: 'target' as const },
  ])('$fault on the $side', ({ fault, side }) => {
    it('heals in the copy and in replication, and the tables end equal', { timeout: 120_000 }, async () => {
      const db = await createTables()
      const writes = workload(db)
      const job = runJob(config(db, 2), runOptions)
      const proxy = proxies[side]!
      try {
        // In the copy, once some chunks are in and before the table without a key (one chunk, copied last) is: it is
        // copied from the retry's snapshot, and replication must not replay the changes before that onto it.
        await waitForStage(job.store, job.jobId, 'existing', job.run)
        const done = () => job.store.listChunks(job.jobId).filter((c) => c.state === 'done')
        for (let waited = 0; done().length < 2;) {
          if ((waited += 50) > 30_000) throw new Error(`no chunk copied:\n${job.logs.join('\n')}`)
          await new Promise((r) => setTimeout(r, 50))
        }
        expect(
          done().some((c) => c.table === `${db}.nokey`),
          'the fault must land before the keyless table',
        ).toBe(false)
        let at = Date.now()
        let seen = reconnects(job)
        await apply(fault, proxy)
        const copyHeal = await healed(job, at, seen)
        outcomes.push({ fault, stage: 'copy', side, outcome: 'healed', healMs: copyHeal })

        await job.caughtUpAfter(Date.now(), 90_000)
        const copied = copiedPositions(job.store.listChunks(job.jobId), job.store.getPosition(job.jobId, 'snapshot')!)
        expect(copied.has(`${db}.nokey`), 'copied from the later snapshot').toBe(true)
        at = Date.now()
        seen = reconnects(job)
        await apply(fault, proxy)
        const replicationHeal = await healed(job, at, seen)
        await writes.stop()
        await job.caughtUpAfter(Date.now(), 60_000)
        job.run.pause()
        expect(await job.run.done).toBe('paused')
        expect(writes.rounds).toBeGreaterThan(20)
        await expectSameTables(source, target, db, ['k', 'u', 'nokey'])
        outcomes.push({ fault, stage: 'replication', side, outcome: 'healed, tables equal', healMs: replicationHeal })
        outcomes[outcomes.length - 2]!.outcome = 'healed, tables equal'
      } catch (error) {
        console.error(`${fault} on the ${side}:\n${(error as Error).message}`)
        outcomes.push({
          fault,
          stage: 'copy',
          side,
          outcome: `FAILED: ${(error as Error).message.slice(0, 60)}`,
          healMs: null,
        })
        throw error
      } finally {
        proxy.pass()
        await writes.stop()
        job.run.pause()
        // A job that does not stop is a failure of its own, reported rather than waited for.
        const stopped = await Promise.race([job.run.done, new Promise((r) => setTimeout(() => r('hung'), 20_000))])
        expect(stopped, `the job did not stop:\n${job.logs.join('\n')}`).not.toBe('hung')
      }
    })
  })

  it('a fault longer than the retry budget fails the job with a coded error', { timeout: 60_000 }, async () => {
    const db = await createTables()
    // 6 s of budget; the target refuses for longer.
    const job = runJob(config(db, 0.1), runOptions)
    const proxy = proxies.target!
    try {
      await waitForStage(job.store, job.jobId, 'existing', job.run)
      const at = Date.now()
      proxy.refuse()
      proxy.reset()
      const outcome = await Promise.race([job.run.done, new Promise((r) => setTimeout(() => r('hung'), 40_000))])
      const spent = Date.now() - at
      expect(outcome, job.logs.join('\n')).toBe('failed')
      const error = job.store.getJob(job.jobId)?.lastError
      expect(error?.code).toBe('RETRY_BUDGET_EXHAUSTED')
      expect(error?.message).toMatch(/Lost the connection to the target \(127\.0\.0\.1:\d+\) and could not get it back/)
      expect(spent).toBeLessThan(20_000)
      outcomes.push({
        fault: 'refuse',
        stage: 'copy',
        side: 'target',
        outcome: `failed after ${(spent / 1000).toFixed(1)} s (budget 6 s)`,
        healMs: null,
      })
    } finally {
      proxy.pass()
      job.run.pause()
      await job.run.done
    }
  })
})
