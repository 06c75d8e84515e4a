/**
 * MariaDB's UUID / INET4 / INET6 columns through a `both` job into TiDB: the snapshot copy and the binlog changes
 * after it arrive as the same text MariaDB reads back, so source and target compare equal row by row.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from '../replicate/replicationFixture'

describe('MariaDB text-form types replicated into TiDB', () => {
  const db = uniqueName('mtypes_cdc')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await source.query(
      `CREATE TABLE \`${db}\`.addr (id INT PRIMARY KEY, u UUID, i4 INET4, i6 INET6, UNIQUE KEY (u)) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.addr VALUES (1, 'ABCDEF01-2345-6789-abcd-ef0123456789', '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
        (2, '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::ffff:1.2.3.4'), (3, NULL, NULL, NULL)`,
    )
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('copies and then replicates inserts, updates and deletes of UUID, INET4 and INET6 values', async () => {
    const job = runJob({
      name: 'mtypes-cdc',
      source: sourceServer(),
      target: targetServerOf('tidb'),
      type: 'both',
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    })
    await waitForStage(job.store, job.jobId, 'incremental', job.run)
    await source.query(
      `INSERT INTO \`${db}\`.addr VALUES (4, '12345678123456781234567812345678', '10.0.0.10', '1:2:3:4:5:6:1.2.3.4'), (5, uuid(), '192.168.1.1', '::1')`,
    )
    await source.query(
      `UPDATE \`${db}\`.addr SET u = '11111111-2222-3333-4444-555555555555', i6 = '2001:db8::1' WHERE id = 3`,
    )
    await source.query(`UPDATE \`${db}\`.addr SET i4 = '1.1.1.1' WHERE u = 'ABCDEF01-2345-6789-ABCD-EF0123456789'`)
    await source.query(`DELETE FROM \`${db}\`.addr WHERE id = 2`)
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done, job.logs.join('\n')).toBe('paused')
    await expectSameTables(source, target, db, ['addr'])
    const [rows] = (await target.query(
      `SELECT id, u, i4, i6 FROM \`${db}\`.addr WHERE id IN (1, 4) ORDER BY id`,
    )) as unknown as [{ id: number; u: string; i4: string; i6: string }[]]
    expect(rows).toEqual([
      {
        id: 1,
        u: 'abcdef01-2345-6789-abcd-ef0123456789',
        i4: '1.1.1.1',
        i6: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      },
      { id: 4, u: '12345678-1234-5678-1234-567812345678', i4: '10.0.0.10', i6: '1:2:3:4:5:6:102:304' },
    ])
  })
})
