/**
 * The type zoo through the binlog path: every MySQL/MariaDB type with its edge values inserted, updated and
 * deleted on the source while the job replicates, under binlog_row_metadata NO_LOG and FULL, then compared over
 * the stored bytes and by CHECKSUM TABLE (ENUM labels with commas and quotes, microseconds, zero dates,
 * BIGINT beyond 2^53, JSON text, BIT, latin1 text, generated columns).
 *
 * Under NO_LOG every row image is decoded twice, by Cutover's decoder and by zongji, and any difference stops
 * the job (CUTOVER_VERIFY_ROW_DECODING, set for all tests); under FULL Cutover's decoder alone feeds the target.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BinlogRowMetadata, MariaDbConnectionOptions, MariaDbServer } from '../harness/servers'
import { connectTarget, connectTo, sourceServer, startMariaDb, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'
import { fillZoo, zooDdl } from '../harness/typeZoo'


describe.each<BinlogRowMetadata>(['NO_LOG', 'FULL'])(
  'type zoo through the binlog, binlog_row_metadata=%s',
  (metadata) => {
    const db = uniqueName(`zoo_cdc_${metadata.toLowerCase()}`)
    let own: MariaDbServer | null = null
    let sourceOptions: MariaDbConnectionOptions
    let source: Connection
    let target: Connection

    beforeAll(async () => {
      if (metadata === 'NO_LOG') {
        own = await startMariaDb({
          name: 'zoo-nolog',
          binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'NO_LOG' },
        })
        sourceOptions = own.connectionOptions()
      } else sourceOptions = sourceServer()
      source = await connectTo(sourceOptions)
      target = await connectTarget()
      await source.query(`CREATE DATABASE \`${db}\``)
      await source.query(zooDdl(db))
      await source.query(`CREATE TABLE \`${db}\`.zoo_nokey LIKE \`${db}\`.zoo`)
      await source.query(`ALTER TABLE \`${db}\`.zoo_nokey MODIFY id INT NOT NULL, DROP PRIMARY KEY`)
    })
    afterAll(async () => {
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined)
      await Promise.all([source?.end(), target?.end()])
      await own?.stop()
    })

    it('inserts, updates and deletes every type exactly', async () => {
      const verify = process.env['CUTOVER_VERIFY_ROW_DECODING']
      process.env['CUTOVER_VERIFY_ROW_DECODING'] = metadata === 'NO_LOG' ? '1' : '0'
      const job = runJob({
        name: `zoo-${metadata}`,
        source: sourceOptions,
        target: targetServer(),
        type: 'both',
        objects: [db],
      })
      await job.caughtUpAfter(Date.now())
      process.env['CUTOVER_VERIFY_ROW_DECODING'] = verify
      await fillZoo(source, db)
      const zooColumns = 'id,ti,tu,si,mi,i,bu,bs,d,d0,f,db,b1,b64,dt,dtm,ts,tm,y,c,vc,tx,lat,latx,bin,vb,bl,lb,e,s,j'
      await source.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")
      await source.query(
        `INSERT INTO \`${db}\`.zoo_nokey (${zooColumns}) SELECT ${zooColumns} FROM \`${db}\`.zoo WHERE id < 1010`,
      )
      // Every column of row 2 takes row 1's values and back; row 3 becomes all NULL; then deletes.
      const cols = 'ti,tu,si,mi,i,bu,bs,d,d0,f,db,b1,b64,dt,dtm,ts,tm,y,c,vc,tx,lat,latx,bin,vb,bl,lb,e,s,j'.split(',')
      for (const table of ['zoo', 'zoo_nokey']) {
        await source.query(
          `UPDATE \`${db}\`.${table} t, (SELECT * FROM \`${db}\`.${table} WHERE id = 1) o SET ${cols.map((c) => `t.${c} = o.${c}`).join(', ')} WHERE t.id = 2`,
        )
        await source.query(`UPDATE \`${db}\`.${table} SET ${cols.map((c) => `${c} = NULL`).join(', ')} WHERE id = 3`)
        await source.query(
          `UPDATE \`${db}\`.${table} SET e = 'd''e', s = 'x,y,z', y = 0, dt = '0000-00-00', bu = 18446744073709551615 WHERE id = 4`,
        )
        await source.query(`DELETE FROM \`${db}\`.${table} WHERE id IN (1, 1001, 1002)`)
      }
      await source.query(`DELETE FROM \`${db}\`.zoo WHERE id BETWEEN 2000 AND 2500`)
      await job.caughtUpAfter(Date.now())
      job.run.pause()
      expect(await job.run.done).toBe('paused')
      await expectSameTables(source, target, db, ['zoo', 'zoo_nokey'])
    })
  },
)
