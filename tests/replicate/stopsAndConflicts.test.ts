/**
 * The job stops loudly rather than guess: a duplicate key on the target pauses it with the table and key named,
 * and Restart replaces the conflicting row with the source's; events it cannot reproduce exactly (a statement-
 * format change, a row image without every column) stop it with a coded error naming the event.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  openScratchDatabase,
  closeScratchDatabase,
  connectSource,
  sourceServer,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe('duplicate key and undecodable events', () => {
  const db = uniqueName('stops')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.k (id INT PRIMARY KEY, v VARCHAR(20)) DEFAULT CHARSET=utf8mb4`)
    await source.query(`INSERT INTO \`${db}\`.k VALUES (1, 'one')`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('pauses on a duplicate key naming table and key, and Restart replaces the target row', async () => {
    const input = {
      name: 'dup',
      source: sourceServer(),
      target: targetServer(),
      type: 'both' as const,
      objects: [`${db}.k`],
    }
    const job = runJob(input)
    await job.caughtUpAfter(Date.now())
    await target.query(`INSERT INTO \`${db}\`.k VALUES (500, 'target only')`)
    await source.query(`INSERT INTO \`${db}\`.k VALUES (2, 'two'), (500, 'from source')`)
    expect(await job.run.done).toBe('failed')
    const stored = job.store.getJob(job.jobId)!
    expect(stored.status).toBe('failed')
    expect(stored.lastError?.code).toBe('REPLICATE_DUPLICATE_KEY')
    expect(stored.lastError?.message).toContain(`${db}.k`)
    expect(stored.lastError?.message).toContain("'500'")
    expect(stored.lastError?.workaround).toMatch(/Restart/)

    await source.query(`UPDATE \`${db}\`.k SET v = 'after' WHERE id = 1`)
    const again = job.restart()
    await again.caughtUpAfter(Date.now())
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    expect(again.logs.join('\n')).toMatch(
      /safe mode on \(replaying up to where the last run stopped, changes the target may already have\)/,
    )
    await expectSameTables(source, target, db, ['k'])
  })

  it('stops loudly on a statement-format change and on a row image without every column', async () => {
    const cases = [
      {
        setting: "SET SESSION binlog_format = 'STATEMENT'",
        change: `INSERT INTO \`${db}\`.k VALUES (900, 'statement')`,
        expected: /statement-format data change to .*\.k/,
      },
      {
        setting: "SET SESSION binlog_row_image = 'MINIMAL'",
        change: `UPDATE \`${db}\`.k SET v = 'minimal' WHERE id = 1`,
        expected: /UPDATE row event for .*\.k without every column/,
      },
    ]
    for (const [i, c] of cases.entries()) {
      const job = runJob({
        name: `undecodable-${i}`,
        source: sourceServer(),
        target: targetServer(),
        type: 'both',
        objects: [`${db}.k`],
      })
      await job.caughtUpAfter(Date.now())
      const session = await connectSource()
      await session.query(c.setting)
      await session.query(c.change)
      await session.end()
      expect(await job.run.done).toBe('failed')
      const error = job.store.getJob(job.jobId)!.lastError!
      expect(error.code).toBe('REPLICATE_EVENT_UNDECODABLE')
      expect(error.message).toMatch(c.expected)
      expect(job.logs.join('\n')).toMatch(/error REPLICATE_EVENT_UNDECODABLE/)
      // Nothing after the event was applied: the checkpoint stayed before it.
      const applied = job.store.getPosition(job.jobId, 'applied')!
      const [[status]] = (await source.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]]
      expect(applied.file !== status!.File || applied.position < Number(status!.Position)).toBe(true)
      // Put the source row back the way the target has it, for the next case.
      await source.query(`DELETE FROM \`${db}\`.k WHERE id = 900`)
      await target.query(`DELETE FROM \`${db}\`.k WHERE id = 900`)
    }
  })

  it('stops on a replicated change the target would store differently (a warning), with nothing of it applied', async () => {
    await source.query(`CREATE TABLE \`${db}\`.narrow (id INT PRIMARY KEY, v VARCHAR(20)) DEFAULT CHARSET=utf8mb4`)
    await source.query(`INSERT INTO \`${db}\`.narrow VALUES (1, 'short')`)
    const job = runJob({
      name: 'warnings',
      source: sourceServer(),
      target: targetServer(),
      type: 'both',
      objects: [`${db}.narrow`],
    })
    await job.caughtUpAfter(Date.now())
    // The target column is narrowed behind the job's back, as a pre-created target table could be.
    await target.query(`ALTER TABLE \`${db}\`.narrow MODIFY v VARCHAR(5)`)
    await source.query(`INSERT INTO \`${db}\`.narrow VALUES (2, 'ok'), (3, 'much too long')`)
    expect(await job.run.done).toBe('failed')
    const error = job.store.getJob(job.jobId)!.lastError!
    expect(error.code).toBe('REPLICATE_TARGET_WARNINGS')
    expect(error.message).toContain(`${db}.narrow`)
    // Under the writers' non-strict sql_mode: TiDB warns 1406 Data too long, MariaDB 1265 Data truncated.
    expect(error.message).toMatch(/Warning (1406|1265) Data (too long|truncated) for column 'v'/)
    expect(error.workaround).toMatch(/SHOW CREATE TABLE/)
    // The statement that warned was rolled back: no cut value is on the target.
    const [rows] = (await target.query(`SELECT id, v FROM \`${db}\`.narrow WHERE id = 3`)) as unknown as [unknown[]]
    expect(rows).toEqual([])
    // With the column fixed, Restart replays from the checkpoint (in safe mode past what other workers applied).
    await target.query(`ALTER TABLE \`${db}\`.narrow MODIFY v VARCHAR(20)`)
    const again = job.restart()
    await again.caughtUpAfter(Date.now())
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    await expectSameTables(source, target, db, ['narrow'])
  })
})
