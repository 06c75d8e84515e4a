/**
 * A source transaction reaches the target as one transaction: a reader of the target never sees half of one.
 * Each source transaction moves money from rows of one table to rows of another (5 to 3,000 row changes, some
 * larger than the reader's parts and the applier's batches), so the sum over both tables is the same after every
 * source transaction; a poller on the target reads both sums in one snapshot while a job with 4 workers
 * replicates them, and counts every snapshot where the sum is off.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

const accounts = 2000
const total = 2 * accounts * 1000

describe('source transactions on the target', () => {
  const db = uniqueName('txnatomic')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    for (const t of ['debit', 'credit']) {
      await source.query(`CREATE TABLE \`${db}\`.${t} (id INT PRIMARY KEY, balance BIGINT NOT NULL)`)
      await source.query(`INSERT INTO \`${db}\`.${t} SELECT seq, 1000 FROM \`${db}\`.seq_1_to_${accounts}`)
    }
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('are never seen half applied by a reader of the target', async () => {
    const job = runJob({
      name: 'txn-atomic',
      source: sourceServer(),
      target: targetServer(),
      type: 'both',
      objects: [db],
      spec: { concurrency: 4 },
    })
    await job.caughtUpAfter(Date.now())

    let polling = true
    let polls = 0
    const broken: number[] = []
    const poller = (async () => {
      while (polling) {
        await target.query('START TRANSACTION WITH CONSISTENT SNAPSHOT')
        const [[row]] = (await target.query(
          `SELECT (SELECT SUM(balance) FROM \`${db}\`.debit) + (SELECT SUM(balance) FROM \`${db}\`.credit) AS s`,
        )) as unknown as [[{ s: string | number }]]
        await target.query('COMMIT')
        polls++
        if (Number(row.s) !== total) broken.push(Number(row.s))
      }
    })()

    // Row changes per transaction: each moves 1 from `n` debit rows to `n` credit rows (2n changes).
    const sizes = [3, 5, 40, 250, 1100, 1500]
    for (let i = 0; i < 48; i++) {
      const n = sizes[i % sizes.length]!
      const from = 1 + ((i * 337) % (accounts - n))
      const to = 1 + ((i * 541) % (accounts - n))
      await source.query('START TRANSACTION')
      await source.query(`UPDATE \`${db}\`.debit SET balance = balance - 1 WHERE id BETWEEN ? AND ?`, [
        from,
        from + n - 1,
      ])
      await source.query(`UPDATE \`${db}\`.credit SET balance = balance + 1 WHERE id BETWEEN ? AND ?`, [to, to + n - 1])
      await source.query('COMMIT')
    }
    await job.caughtUpAfter(Date.now())
    polling = false
    await poller
    job.run.pause()
    expect(await job.run.done).toBe('paused')
    expect(polls, 'the poller read the target while it replicated').toBeGreaterThan(20)
    expect(broken, `${broken.length} of ${polls} snapshots saw half a source transaction`).toEqual([])
    expect(job.logs.join('\n'), 'no transaction reaches the cap').not.toMatch(/^warning REPLICATE_TXN_SPLIT /m)
    await expectSameTables(source, target, db)
  }, 180_000)
})
