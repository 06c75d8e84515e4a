/**
 * Incremental-only jobs on a source of their own (binlogs are purged here): target tables must exist (a coded
 * error with the fix otherwise); replication starts exactly at a given file + offset or MariaDB GTID position,
 * so the rows written before it are not applied and every row after it is; a binlog purged while the job was
 * paused stops it with a non-retried REPLICATE_BINLOG_PURGED.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMariaDb, targetServer, uniqueName, connectTarget, type MariaDbServer } from '../harness/servers'
import type { StartPosition } from '../../src/shared/domain/job'
import { expectSameTables, runJob } from './replicationFixture'

describe('incremental-only jobs', () => {
  const db = uniqueName('inconly')
  let source: MariaDbServer
  let sourceConn: Connection
  let target: Connection

  beforeAll(async () => {
    source = await startMariaDb({
      name: 'incremental-only',
      binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'NO_LOG' },
    })
    sourceConn = await source.connect()
    target = await connectTarget()
    await sourceConn.query(`CREATE DATABASE \`${db}\``)
    await sourceConn.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(40))`)
  }, 60_000)
  afterAll(async () => {
    await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await Promise.all([sourceConn?.end(), target?.end()])
    await source?.stop()
  })

  const input = (name: string, start: StartPosition) => ({
    name,
    source: source.connectionOptions(),
    target: targetServer(),
    type: 'incremental' as const,
    objects: [db],
    start,
  })

  /** Rows 1..n written, then the position after them; rows n+1..2n written after it. */
  async function writeAround(n: number, offset: number) {
    for (let i = 1; i <= n; i++) await sourceConn.query(`INSERT INTO \`${db}\`.t VALUES (?, 'before')`, [offset + i])
    const [[status]] = (await sourceConn.query('SHOW MASTER STATUS')) as unknown as [
      { File: string; Position: number }[],
    ]
    const [[gtid]] = (await sourceConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]]
    for (let i = n + 1; i <= 2 * n; i++)
      await sourceConn.query(`INSERT INTO \`${db}\`.t VALUES (?, 'after')`, [offset + i])
    return { file: status!.File, position: Number(status!.Position), gtid: gtid!.g }
  }

  it(
    'needs the target tables, then starts exactly at a file + offset and at a GTID',
    { timeout: 120_000 },
    async () => {
      const at = await writeAround(5, 0)
      const missing = runJob(input('inc-missing', { file: at.file, position: at.position }))
      expect(await missing.run.done).toBe('failed')
      const error = missing.store.getJob(missing.jobId)!.lastError!
      expect(error.code).toBe('REPLICATE_TARGET_TABLES_MISSING')
      expect(error.message).toContain(`${db}.t`)
      expect(error.workaround.length).toBeGreaterThan(20)

      // The user's own copy of the table, without the rows written before the position: only "after" rows arrive.
      await target.query(`CREATE DATABASE IF NOT EXISTS \`${db}\``)
      await target.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(40))`)
      const byFile = runJob(input('inc-file', { file: at.file, position: at.position }))
      await byFile.caughtUpAfter(Date.now())
      byFile.run.pause()
      expect(await byFile.run.done).toBe('paused')
      const [rows] = (await target.query(`SELECT id, v FROM \`${db}\`.t ORDER BY id`)) as unknown as [
        { id: number; v: string }[],
      ]
      expect(rows).toEqual([6, 7, 8, 9, 10].map((id) => ({ id, v: 'after' })))

      // From a GTID position: the target now gets rows 16..20 only (11..15 come before the position).
      await target.query(`DELETE FROM \`${db}\`.t`)
      const byGtid = await writeAround(5, 10)
      const job = runJob(input('inc-gtid', { gtid: byGtid.gtid }))
      await job.caughtUpAfter(Date.now())
      job.run.pause()
      expect(await job.run.done).toBe('paused')
      const [after] = (await target.query(`SELECT id FROM \`${db}\`.t ORDER BY id`)) as unknown as [{ id: number }[]]
      expect(after.map((r) => r.id)).toEqual([16, 17, 18, 19, 20])

      // Written since: the job resumes from its checkpoint; with the early rows copied by hand both sides match.
      await sourceConn.query(`UPDATE \`${db}\`.t SET v = 'changed' WHERE id IN (17, 19)`)
      await sourceConn.query(`DELETE FROM \`${db}\`.t WHERE id = 18`)
      const resumed = job.restart()
      await resumed.caughtUpAfter(Date.now())
      resumed.run.pause()
      expect(await resumed.run.done).toBe('paused')
      const [early] = (await sourceConn.query(`SELECT id, v FROM \`${db}\`.t WHERE id <= 15`)) as unknown as [
        { id: number; v: string }[],
      ]
      for (const r of early) await target.query(`INSERT INTO \`${db}\`.t VALUES (?, ?)`, [r.id, r.v])
      await expectSameTables(sourceConn, target, db, ['t'])
    },
  )

  it('stops without retrying when the binlog it needs was purged while paused', { timeout: 120_000 }, async () => {
    const at = await writeAround(3, 100)
    await target.query(`CREATE DATABASE IF NOT EXISTS \`${db}\``)
    await target.query(`CREATE TABLE IF NOT EXISTS \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(40))`)
    const job = runJob(input('inc-purged', { file: at.file, position: at.position }))
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done).toBe('paused')

    await sourceConn.query(`INSERT INTO \`${db}\`.t VALUES (200, 'while paused')`)
    await sourceConn.query('FLUSH BINARY LOGS')
    const [[now]] = (await sourceConn.query('SHOW MASTER STATUS')) as unknown as [{ File: string }[]]
    // MariaDB keeps a binlog until its binlog checkpoint has passed it: purge until the job's file is gone.
    const files = async () =>
      ((await sourceConn.query('SHOW BINARY LOGS')) as unknown as [{ Log_name: string }[]])[0].map((l) => l.Log_name)
    for (let i = 0; i < 100 && (await files()).includes(at.file); i++) {
      await sourceConn.query(`PURGE BINARY LOGS TO '${now!.File}'`)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await files()).not.toContain(at.file)

    const started = Date.now()
    const resumed = job.restart()
    expect(await resumed.run.done).toBe('failed')
    expect(Date.now() - started).toBeLessThan(10_000)
    const error = job.store.getJob(job.jobId)!.lastError!
    expect(error.code).toBe('REPLICATE_BINLOG_PURGED')
    expect(error.workaround).toMatch(/fresh snapshot/)
    expect(resumed.logs.join('\n')).not.toMatch(/Reconnecting/)
  })
})
