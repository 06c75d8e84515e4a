/**
 * A dropped connection during incremental sync: the binlog dump connection killed on the source, then the
 * writers' connections killed on the target, while the source keeps writing. The job reconnects from its last
 * checkpoint in safe mode, says so, and ends with source and target equal.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

/** Kills every connection of the server matching `where` (on PROCESSLIST) except the caller's own; returns how many. */
async function killConnections(c: Connection, where: string): Promise<number> {
  const [rows] = (await c.query(
    `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND ${where}`,
  )) as unknown as [{ id: number }[]]
  for (const { id } of rows) await c.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined)
  return rows.length
}

describe('dropped connections during incremental sync', () => {
  const db = uniqueName('reconnect')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(40))`)
    await source.query(`INSERT INTO \`${db}\`.t SELECT seq, 0, CONCAT('row ', seq) FROM \`${db}\`.seq_1_to_2000`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('reconnects from the checkpoint in safe mode and loses nothing', { timeout: 120_000 }, async () => {
    const job = runJob({
      name: 'reconnect',
      source: sourceServer(),
      target: targetServer(),
      type: 'both',
      objects: [db],
    })
    await job.caughtUpAfter(Date.now())

    let writing = true
    let round = 0
    const writer = (async () => {
      while (writing) {
        round++
        await source.query(`UPDATE \`${db}\`.t SET n = n + 1 WHERE id % 7 = ?`, [round % 7])
        await source.query(`INSERT INTO \`${db}\`.t VALUES (?, ?, 'new')`, [10_000 + round, round])
        await source.query(`DELETE FROM \`${db}\`.t WHERE id = ?`, [round * 3])
      }
    })()

    /** Waits until the stage has started `n` times (the first start, then once per reconnect). */
    const started = async (n: number) => {
      for (let waited = 0; (job.logs.join('\n').match(/REPLICATE_STARTED/g)?.length ?? 0) < n; waited += 100) {
        if (waited > 60_000) throw new Error(`the stage did not start ${n} times:\n${job.logs.join('\n')}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    await new Promise((r) => setTimeout(r, 500))
    expect(await killConnections(source, `COMMAND LIKE 'Binlog Dump%'`)).toBe(1)
    // The target kill must find the writers of the reconnected stage (opened at its first write), not the sessions
    // the reconnect closes: it waits until a row written after the restart is on the target.
    await started(2)
    const marker = 10_000 + round + 1
    for (let waited = 0; ; waited += 100) {
      const [rows] = (await target.query(`SELECT 1 FROM \`${db}\`.t WHERE id = ?`, [marker])) as unknown as [unknown[]]
      if (rows.length > 0) break
      if (waited > 60_000) throw new Error(`row ${marker} never reached the target:\n${job.logs.join('\n')}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    // The applier's writers and its control session: every target connection but the test's own.
    expect(await killConnections(target, `USER = '${targetServer().user}'`)).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 2500))
    await started(3)
    writing = false
    await writer
    expect(round).toBeGreaterThan(20)

    await job.caughtUpAfter(Date.now(), 90_000)
    job.run.pause()
    expect(await job.run.done).toBe('paused')
    const log = job.logs.join('\n')
    expect(
      log.match(/Reconnecting in \d+ s from the last checkpoint, in safe mode for 60 s/g)?.length ?? 0,
      log,
    ).toBeGreaterThanOrEqual(2)
    expect(log).toMatch(/safe mode on \(reconnecting after a lost connection\)/)
    await expectSameTables(source, target, db, ['t'])
  })
})
