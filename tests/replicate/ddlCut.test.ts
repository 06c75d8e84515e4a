/**
 * A replicated DDL cut by a lost connection: the target's connections go through the fault proxy, which resets them
 * the moment the DDL's statement has reached the target. The target applies it; the job never hears so.
 * - With retries off (retryMinutes 0) the job fails with a coded error, and its resume, whose checkpoint is just
 *   before the DDL, finds the index already on the target and skips the DDL (it failed on `Duplicate key name`
 *   forever before).
 * - With retries on, the job reconnects by itself, finds the column already there, and goes on.
 * Either way the tables end equal.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe('a replicated DDL cut by a lost target connection', () => {
  const db = uniqueName('ddlcut')
  let source: Connection
  let target: Connection
  let proxy: FaultProxy

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    proxy = await startFaultProxy(targetServer())
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(40))`)
    await source.query(
      `INSERT INTO \`${db}\`.t SELECT seq, seq % 100, CONCAT('row ', seq) FROM \`${db}\`.seq_1_to_5000`,
    )
  })
  afterAll(async () => {
    await proxy?.close()
    await closeScratchDatabase(db, source, target)
  })

  /** Whether the target shows the named index or column of t (read directly, not through the proxy). */
  async function targetHas(kind: 'index' | 'column', name: string): Promise<boolean> {
    const [rows] = (await target.query(
      kind === 'index'
        ? 'SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?'
        : 'SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?',
      [db, 't', name],
    )) as unknown as [unknown[]]
    return rows.length > 0
  }

  async function write(round: number): Promise<void> {
    await source.query(`INSERT INTO \`${db}\`.t (id, n, v) VALUES (?, ?, 'after')`, [10_000 + round, round])
    await source.query(`UPDATE \`${db}\`.t SET n = n + 1 WHERE id = ?`, [round])
    await source.query(`DELETE FROM \`${db}\`.t WHERE id = ?`, [round + 100])
  }

  it(
    'is found applied on the target and skipped, after a failure and by a reconnect',
    { timeout: 120_000 },
    async () => {
      const config = (retryMinutes: number) => ({
        name: 'ddl-cut',
        source: sourceServer(),
        target: { ...targetServer(), host: proxy.host, port: proxy.port },
        type: 'both' as const,
        objects: [db],
        spec: { concurrency: 2, retryMinutes },
      })
      const first = runJob(config(0))
      await first.caughtUpAfter(Date.now())

      const cut = proxy.resetAfter('ADD INDEX ix_n')
      await source.query(`ALTER TABLE \`${db}\`.t ADD INDEX ix_n (n)`)
      await cut
      await write(1)
      expect(await first.run.done, first.logs.join('\n')).toBe('failed')
      const failure = first.store.getJob(first.jobId)?.lastError
      expect(failure?.code, JSON.stringify(failure)).toBe('RETRY_BUDGET_EXHAUSTED')
      expect(failure?.message).toMatch(/the target \(127\.0\.0\.1:\d+\), and the job does not retry/)
      // The target finishes the ALTER it received (TiDB runs it as a DDL job of its own).
      for (let waited = 0; !(await targetHas('index', 'ix_n')); waited += 200) {
        if (waited > 30_000) throw new Error('the target never applied the cut ADD INDEX')
        await new Promise((r) => setTimeout(r, 200))
      }

      // The resume's checkpoint is just before the DDL: it must see the index there instead of adding it again.
      const resumed = runJob(config(1), { retry: { baseMs: 200 } }, ':memory:', {
        store: first.store,
        jobId: first.jobId,
      })
      await resumed.caughtUpAfter(Date.now())
      expect(resumed.logs.join('\n')).toMatch(/REPLICATE_DDL_ALREADY_APPLIED DDL already applied on the target/)

      // Retries on: the reconnect finds the column already added.
      const again = proxy.resetAfter('ADD COLUMN extra')
      await source.query(`ALTER TABLE \`${db}\`.t ADD COLUMN extra INT`)
      await again
      for (let round = 2; round < 20; round++) await write(round)
      await resumed.caughtUpAfter(Date.now(), 60_000)
      resumed.run.pause()
      expect(await resumed.run.done).toBe('paused')
      const log = resumed.logs.join('\n')
      expect(log).toMatch(/REPLICATE_DDL_INTERRUPTED The connection to the target was lost while it ran a DDL/)
      expect(log).toMatch(/Reconnecting in \d+ s from the last checkpoint, in safe mode for 60 s \(attempt 1/)
      expect(await targetHas('column', 'extra')).toBe(true)
      expect(await targetHas('index', 'ix_n')).toBe(true)
      await expectSameTables(source, target, db, ['t'])
    },
  )
})
