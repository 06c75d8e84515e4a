/**
 * Managed MySQL refuses FLUSH TABLES WITH READ LOCK; the snapshot then locks only the job's tables
 * (LOCK TABLES … READ). A user without RELOAD takes that path here, and the copy must still be exact.
 * A statement already running for long stops the snapshot before it locks (the lock would block every write
 * while waiting for it), naming the statement.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connectionSchema } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { detectServer } from '../../src/main/engine/connect/serverInfo'
import { openSnapshot } from '../../src/main/engine/snapshot/snapshot'
import {
  openScratchDatabase,
  closeScratchDatabase,
  connectSource,
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

it('does not lock behind a long-running statement: names it, and locks once it is gone', async () => {
  const profile = connectionSchema.parse({ ...sourceServer() })
  const locker = await openSession(profile, 'source')
  const reader = await openSession(profile, 'source')
  const blocker = await connectSource()
  const writer = await connectSource()
  try {
    const info = await detectServer(locker)
    const options = { locker, readers: [reader], info, tables: [{ schema: db, name: 't' }], longQueryGuardSeconds: 1 }
    const sleeping = blocker.query(`SELECT SLEEP(4) AS s, 'secret-literal' AS x FROM \`${db}\`.t LIMIT 1`)
    await new Promise((r) => setTimeout(r, 1500))
    const refused = await openSnapshot(options).then(
      () => null,
      (e: { code?: string; message?: string; workaround?: string }) => e,
    )
    expect(refused?.code).toBe('SNAPSHOT_LONG_QUERY')
    expect(refused?.message).toMatch(/SELECT SLEEP\(4\)/)
    // Quoted literals of other sessions' statements are not repeated (they may hold a password).
    expect(refused?.message).not.toContain('secret-literal')
    expect(refused?.workaround).toMatch(/KILL QUERY/)
    // No lock was requested: a write goes through at once while the long statement still runs.
    const started = Date.now()
    await writer.query(`UPDATE \`${db}\`.t SET v = v WHERE id = 1`)
    expect(Date.now() - started).toBeLessThan(1000)
    await sleeping
    const snapshot = await openSnapshot(options)
    expect(snapshot.method).toBe('flush-tables')
    expect(snapshot.lockHoldMs).toBeLessThan(1000)
    await reader.query('COMMIT')
  } finally {
    await Promise.all([locker.close(), reader.close(), blocker.end(), writer.end()])
  }
})
