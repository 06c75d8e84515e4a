import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Connection } from 'mysql2/promise'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { runJob } from '../replicate/replicationFixture'

const db = uniqueName('routecost')
let source: Connection
let target: Connection
beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db, 'tidb'))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP NULL, note VARCHAR(60), n INT)`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, '2000-01-01' + INTERVAL (seq % 9000) DAY, '2000-01-01 00:00:00.123' + INTERVAL seq SECOND, '2001-01-01' + INTERVAL seq SECOND, CONCAT('note number ', seq, ' with some text'), seq * 7 FROM \`${db}\`.seq_1_to_300000`)
  await source.query(`ANALYZE TABLE \`${db}\`.t`)
}, 600_000)
afterAll(async () => { await closeScratchDatabase(db, source, target) })

it('times', async () => {
  for (const round of [1, 2, 3]) {
    for (const mode of (round % 2 ? ['logical', 'physical'] : ['physical', 'logical']) as ('logical' | 'physical')[]) {
      await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
      const started = performance.now()
      const job = runJob({ name: `cost-${mode}`, source: sourceServer(), target: targetServerOf('tidb'), type: 'existing', mode, objects: [db], spec: { concurrency: 2, exportMBps: 0 } })
      expect(await job.run.done, job.logs.join('\n')).toBe('finished')
      console.log(`ROUND ${round} ${mode} ${((performance.now() - started) / 1000).toFixed(2)} s`)
    }
  }
}, 900_000)
