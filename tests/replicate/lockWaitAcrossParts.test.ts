/**
 * A worker keeps one target transaction open across the reader's parts of a large source transaction. On a
 * MariaDB target in safe mode, that open transaction's duplicate-key check on a unique secondary index holds a
 * next-key lock; another worker's earlier transaction inserting into that gap waits for it, while the large
 * transaction's next part waits (causality) for that earlier transaction's keys. Neither may wait for the other
 * until innodb_lock_wait_timeout: the job must catch up promptly and end equal.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectSource, connectTarget, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe('a large transaction open across parts on a MariaDB target, in safe mode', () => {
  const db = uniqueName('lockparts')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    source = await connectSource()
    target = await connectTarget(undefined, 'mariadb')
    await source.query(`CREATE DATABASE \`${db}\``)
    await source.query(
      `CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, code INT NOT NULL, v INT NOT NULL, UNIQUE KEY (code))`,
    )
    await source.query(`INSERT INTO \`${db}\`.t SELECT seq, seq * 10, 0 FROM \`${db}\`.seq_1_to_8000`)
  })
  afterAll(async () => {
    await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await Promise.all([source?.end(), target?.end()])
  })

  it('catches up without waiting for a lock timeout, and ends equal', { timeout: 240_000 }, async () => {
    const input = {
      name: 'lockparts',
      source: sourceServer(),
      target: targetServerOf('mariadb'),
      type: 'both' as const,
      objects: [db],
      spec: { concurrency: 4 },
    }
    const first = runJob(input, { safeMode: true })
    await first.caughtUpAfter(Date.now(), 120_000)
    first.run.pause()
    expect(await first.run.done).toBe('paused')

    // T(-1): a large transaction ending with the delete of id 7 (its worker is busy with it for a while).
    await source.query('START TRANSACTION')
    await source.query(`UPDATE \`${db}\`.t SET v = v + 1 WHERE id BETWEEN 1001 AND 4000`)
    await source.query(`DELETE FROM \`${db}\`.t WHERE id = 7`)
    await source.query('COMMIT')
    // T0: id 7 again, its code in the gap below 50: it follows T(-1) on that worker.
    await source.query(`INSERT INTO \`${db}\`.t VALUES (7, 45, 0)`)
    // T1: first the row of code 50 (its duplicate check locks the gap below 50), 2,500 rows elsewhere, then id 7.
    await source.query('START TRANSACTION')
    await source.query(`UPDATE \`${db}\`.t SET v = v + 1 WHERE id = 5`)
    await source.query(`UPDATE \`${db}\`.t SET v = v + 1 WHERE id BETWEEN 5001 AND 7500`)
    await source.query(`UPDATE \`${db}\`.t SET v = v + 1 WHERE id = 7`)
    await source.query('COMMIT')

    const again = first.restart({ safeMode: true })
    const began = Date.now()
    await again.caughtUpAfter(began, 120_000)
    const seconds = (Date.now() - began) / 1000
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    await expectSameTables(source, target, db, ['t'])
    // innodb_lock_wait_timeout is 50 s: a wait for it would show here (before the fix: no catch-up within 120 s).
    expect(seconds, again.logs.join('\n')).toBeLessThan(20)
    // The large transaction's first part was committed on its own, and said so.
    expect(again.logs.join('\n')).toMatch(/REPLICATE_TXN_SPLIT .*another writer's earlier transaction still holds/)
  })
})
