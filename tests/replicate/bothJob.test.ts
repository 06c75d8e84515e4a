/**
 * A `both` job while the source keeps writing (during the snapshot, the copy and after): schema → existing data →
 * incremental from the snapshot position without stopping, ending with every table identical.
 */
import type { Connection } from 'mysql2/promise'
import { writeTransactions } from '../harness/writeLoad'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  openScratchDatabase,
  closeScratchDatabase,
  connectSource,
  sourceServer,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

/** Small transactions of inserts, updates and deletes over every table, deterministic by seed. */
function writeLoad(c: Connection, db: string, until: () => boolean, seed = 1): Promise<number> {
  return writeTransactions(c, until, {
    keys: 3000,
    seed,
    operations: [
      ({ id }) =>
        c.query(`INSERT INTO \`${db}\`.keyed (id, v, n) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE n = n + 1`, [
          id,
          `v${id}`,
          id,
        ]),
      ({ id }) => c.query(`UPDATE \`${db}\`.keyed SET v = CONCAT(v, 'x'), n = n + 7 WHERE id = ?`, [id]),
      ({ id }) => c.query(`DELETE FROM \`${db}\`.keyed WHERE id = ?`, [id]),
      async ({ id }) => {
        await c.query(`INSERT IGNORE INTO \`${db}\`.uniq (code, v) VALUES (?, ?)`, [`C${id}`, id])
        await c
          .query(`UPDATE \`${db}\`.uniq SET code = ? WHERE code = ?`, [`C${id + 1}x`, `C${id}`])
          .catch(() => undefined)
      },
      async ({ rand }) => {
        await c.query(`INSERT INTO \`${db}\`.nokey (a, b) VALUES (?, ?)`, [rand(50), `b${rand(5)}`])
        await c.query(`DELETE FROM \`${db}\`.nokey WHERE a = ? LIMIT 1`, [rand(50)])
      },
      ({ rand, transaction }) =>
        c.query(`UPDATE \`${db}\`.composite SET note = ? WHERE region = ? AND n = ?`, [
          `n${transaction}`,
          `r${rand(4)}`,
          rand(200),
        ]),
    ],
  })
}

describe('both job with writes during the snapshot, the copy and after', () => {
  const db = uniqueName('both')
  let source: Connection
  let target: Connection
  let writer: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    writer = await connectSource()
    await source.query(
      `CREATE TABLE \`${db}\`.keyed (id INT PRIMARY KEY, v VARCHAR(200), n BIGINT) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(
      `CREATE TABLE \`${db}\`.uniq (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, UNIQUE KEY (code)) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(`CREATE TABLE \`${db}\`.nokey (a INT, b VARCHAR(10)) DEFAULT CHARSET=utf8mb4`)
    await source.query(
      `CREATE TABLE \`${db}\`.composite (region VARCHAR(10) NOT NULL, n INT NOT NULL, note VARCHAR(40), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.keyed VALUES ${Array.from({ length: 2000 }, (_, i) => `(${i}, 'v${i}', ${i})`).join(',')}`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.composite VALUES ${Array.from({ length: 800 }, (_, i) => `('r${i % 4}', ${Math.floor(i / 4)}, 'c${i}')`).join(',')}`,
    )
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target, writer)
  })

  it('ends with equal checksums on every table', async () => {
    let stop = false
    const load = writeLoad(writer, db, () => stop)
    // Writes are running before the job opens its snapshot.
    await new Promise((r) => setTimeout(r, 300))
    const job = runJob(
      {
        name: 'both-writes',
        source: sourceServer(),
        target: targetServer(),
        type: 'both',
        objects: [db],
        spec: { concurrency: 3, exportMBps: 0 },
      },
      { targetChunkBytes: 16 * 1024 },
    )
    await waitForStage(job.store, job.jobId, 'incremental', job.run)
    // Keep writing while replication runs, then stop and let it catch up.
    await new Promise((r) => setTimeout(r, 2000))
    stop = true
    const transactions = await load
    expect(transactions).toBeGreaterThan(20)
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done).toBe('paused')
    await expectSameTables(source, target, db)
    const applied = job.store.getPosition(job.jobId, 'applied')
    expect(applied?.file).toMatch(/\d+$/)
    expect(job.logs.join('\n')).toMatch(/nokey has no primary key or NOT NULL unique key/)
  })
})
