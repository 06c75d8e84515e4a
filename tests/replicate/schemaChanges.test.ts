/**
 * DDL in the middle of the stream, replayed after the source already ran it (the case that makes zongji shift
 * values silently under binlog_row_metadata=NO_LOG, toolchain.md §6): ADD COLUMN … AFTER, DROP COLUMN, CHANGE,
 * MODIFY … FIRST, RENAME COLUMN, CREATE / RENAME / TRUNCATE TABLE. Both metadata modes must end identical.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BinlogRowMetadata, MariaDbConnectionOptions, MariaDbServer } from '../harness/servers'
import { connectTarget, connectTo, sourceServer, startMariaDb, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe.each<BinlogRowMetadata>(['NO_LOG', 'FULL'])(
  'schema changes mid-stream, binlog_row_metadata=%s',
  (metadata) => {
    const db = uniqueName(`ddl_${metadata.toLowerCase()}`)
    let own: MariaDbServer | null = null
    let sourceOptions: MariaDbConnectionOptions
    let source: Connection
    let target: Connection

    beforeAll(async () => {
      if (metadata === 'NO_LOG') {
        own = await startMariaDb({
          name: 'nolog-source',
          binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'NO_LOG' },
        })
        sourceOptions = own.connectionOptions()
      } else sourceOptions = sourceServer()
      source = await connectTo(sourceOptions)
      target = await connectTarget()
      const [[meta]] = (await source.query('SELECT @@binlog_row_metadata AS m')) as unknown as [{ m: string }[]]
      expect(meta?.m).toBe(metadata)
      await source.query(`CREATE DATABASE \`${db}\``)
      await source.query(
        `CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, a VARCHAR(20), b INT, c DATETIME(6)) DEFAULT CHARSET=utf8mb4`,
      )
      await source.query(
        `INSERT INTO \`${db}\`.t VALUES (1, 'a1', 10, '2024-01-01 00:00:00.000001'), (2, 'a2', 20, NULL)`,
      )
    })
    afterAll(async () => {
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined)
      await Promise.all([source?.end(), target?.end()])
      await own?.stop()
    })

    it('decodes every row with the definition it was written under', async () => {
      const input = {
        name: `ddl-${metadata}`,
        source: sourceOptions,
        target: targetServer(),
        type: 'both' as const,
        objects: [db],
      }
      const first = runJob(input)
      await first.caughtUpAfter(Date.now())
      first.run.pause()
      expect(await first.run.done).toBe('paused')

      // All of this runs on the source before the job reads any of it.
      const q = (sql: string) => source.query(sql.replaceAll('DB', `\`${db}\``))
      await q(`INSERT INTO DB.t VALUES (3, 'a3', 30, '2024-03-03 03:03:03.333333')`)
      await q(`ALTER TABLE DB.t ADD COLUMN extra VARCHAR(20) NOT NULL DEFAULT 'dflt' AFTER id`)
      await q(`INSERT INTO DB.t (id, extra, a, b, c) VALUES (4, 'x4', 'a4', 40, NULL)`)
      await q(`UPDATE DB.t SET a = 'a1-updated', extra = 'x1' WHERE id = 1`)
      await q(`ALTER TABLE DB.t DROP COLUMN a`)
      await q(`INSERT INTO DB.t (id, extra, b) VALUES (5, 'x5', 50)`)
      await q(`DELETE FROM DB.t WHERE id = 2`)
      await q(`ALTER TABLE DB.t CHANGE COLUMN b b2 BIGINT, MODIFY COLUMN c DATETIME(6) FIRST`)
      await q(`INSERT INTO DB.t (c, id, extra, b2) VALUES ('2025-05-05 05:05:05.500000', 6, 'x6', 9007199254740993)`)
      await q(`ALTER TABLE DB.t RENAME COLUMN extra TO label`)
      await q(`UPDATE DB.t SET label = 'relabelled', b2 = b2 + 1 WHERE id IN (4, 6)`)
      await q(`CREATE TABLE DB.fresh (k VARCHAR(8) NOT NULL, v INT, UNIQUE KEY (k))`)
      await q(`INSERT INTO DB.fresh VALUES ('one', 1), ('two', 2)`)
      await q(`CREATE TABLE DB.gone (n INT PRIMARY KEY)`)
      await q(`INSERT INTO DB.gone VALUES (1)`)
      await q(`RENAME TABLE DB.fresh TO DB.renamed`)
      await q(`UPDATE DB.renamed SET k = 'three' WHERE k = 'two'`)
      await q(`TRUNCATE TABLE DB.gone`)
      await q(`INSERT INTO DB.gone VALUES (2)`)

      const second = first.restart()
      await second.caughtUpAfter(Date.now())
      second.run.pause()
      expect(await second.run.done).toBe('paused')
      expect(second.logs.join('\n')).toMatch(/REPLICATE_DDL_APPLIED/)
      await expectSameTables(source, target, db, ['t', 'renamed', 'gone'])
      const [rows] = (await target.query(`SELECT c, id, label, b2 FROM \`${db}\`.t ORDER BY id`)) as unknown as [
        Record<string, unknown>[],
      ]
      expect(rows.map((r) => r.label)).toEqual(['x1', 'dflt', 'relabelled', 'x5', 'relabelled'])
    })
  },
)
