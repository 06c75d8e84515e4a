/**
 * Managed MySQL refuses FLUSH TABLES WITH READ LOCK; the snapshot then locks only the job's tables
 * (LOCK TABLES … READ). A user without RELOAD takes that path here, and the copy must still be exact.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  openScratchDatabase,
  closeScratchDatabase,
  createUser,
  sourceServer,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { runJobToEnd } from './jobRun'
import { compareTable } from '../harness/tableComparison'

const db = uniqueName('locktables')
let source: Connection
let target: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, CONCAT('v', seq) FROM \`${db}\`.seq_1_to_5000`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target)
})

it('falls back to LOCK TABLES when FTWRL is not permitted, and copies exactly', async () => {
  const user = await createUser(sourceServer(), {
    user: uniqueName('nflush').slice(0, 32),
    password: 'no-reload-pw',
    grants: ['SELECT ON *.*', 'LOCK TABLES ON *.*', 'BINLOG MONITOR ON *.*', 'SHOW VIEW ON *.*'],
  })
  const { store, job, outcome, log } = await runJobToEnd({
    name: 'lock-tables',
    source: { host: '127.0.0.1', port: sourceServer().port, user: user.user, password: user.password },
    target: { ...targetServer() },
    type: 'existing',
    objects: [db],
    spec: { concurrency: 1, exportMBps: 0 },
  })
  expect(outcome, log).toBe('finished')
  expect(log).toMatch(/LOCK TABLES … READ \(FTWRL not permitted\)/)
  expect(store.getPosition(job.id, 'snapshot')).not.toBeNull()
  const diff = await compareTable(source, target, db, 't')
  expect(diff.firstDifference).toBeNull()
  expect(diff.targetRows).toBe(5000)
})
