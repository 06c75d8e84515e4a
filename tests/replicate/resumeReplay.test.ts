/**
 * What a resumed `both` job applies again, each case in-process against the real servers:
 * - a copy paused and resumed reads its remaining chunks from a newer snapshot than the one replication starts at:
 *   a key-less table copied entirely from the newer snapshot must not get the changes in between a second time;
 * - a run stopped abruptly after the target committed key-less changes but before its checkpoint was written (the
 *   window a SIGKILL hits) must not apply them again on resume;
 * - a source transaction over the target transaction cap (lowered here) is committed in parts, and says so in the
 *   log; a graceful pause (or a kill) between its parts leaves its first parts on the target: the resume replays
 *   them idempotently (safe mode up to its end) instead of failing on a duplicate key.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('what a resumed both job applies again', () => {
  const db = uniqueName('replay')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.keyed (id INT PRIMARY KEY, pad VARCHAR(200))`)
    await source.query(`INSERT INTO \`${db}\`.keyed SELECT seq, REPEAT('k', 180) FROM \`${db}\`.seq_1_to_6000`)
    await source.query(`CREATE TABLE \`${db}\`.nokey (a INT, b VARCHAR(200))`)
    await source.query(`INSERT INTO \`${db}\`.nokey SELECT seq % 7, REPEAT('n', 150) FROM \`${db}\`.seq_1_to_6000`)
    await source.query(`ANALYZE TABLE \`${db}\`.keyed, \`${db}\`.nokey`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  const input = (name: string, exportMBps = 0) => ({
    name,
    source: sourceServer(),
    target: targetServer(),
    type: 'both' as const,
    objects: [db],
    spec: { concurrency: 2, exportMBps },
  })

  it('skips, per table, the changes a copy resumed from a newer snapshot already holds', async () => {
    await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
    // About 2.2 MB at 0.5 MB/s, in 32 KB chunks: paused with some keyed chunks done and the key-less table not.
    const job = runJob(input('replay-copy', 0.5), { targetChunkBytes: 32 * 1024 })
    for (let i = 0; i < 600; i++) {
      const chunks = job.store.listChunks(job.jobId)
      const nokeyStarted = chunks.some((c) => c.table.endsWith('.nokey') && c.state === 'started')
      if (nokeyStarted && chunks.some((c) => c.table.endsWith('.keyed') && c.state === 'done')) break
      await sleep(20)
    }
    job.run.pause()
    expect(await job.run.done).toBe('paused')
    const nokey = job.store.listChunks(job.jobId).filter((c) => c.table.endsWith('.nokey'))
    expect(
      nokey.every((c) => c.state !== 'done'),
      'the key-less table is not copied yet',
    ).toBe(true)
    // Changes between the first snapshot and the one the resumed copy reads from.
    for (let i = 0; i < 30; i++) {
      await source.query(`INSERT INTO \`${db}\`.nokey VALUES (?, 'between')`, [i % 7])
      await source.query(`UPDATE \`${db}\`.keyed SET pad = 'between' WHERE id = ?`, [i * 150 + 1])
    }
    const again = job.restart({ targetChunkBytes: 32 * 1024 })
    await again.caughtUpAfter(Date.now())
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    await expectSameTables(source, target, db)
    expect(again.logs.join('\n')).toMatch(/nokey was copied from a later snapshot/)
  }, 120_000)

  it('does not apply key-less changes again that the target committed after the last stored checkpoint', async () => {
    await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
    const job = runJob(input('replay-keyless'))
    await job.caughtUpAfter(Date.now())
    const before = job.store.getPosition(job.jobId, 'applied')!
    for (let i = 0; i < 20; i++) {
      await source.query('START TRANSACTION')
      await source.query(`INSERT INTO \`${db}\`.nokey VALUES (?, 'after checkpoint')`, [i % 7])
      await source.query(`DELETE FROM \`${db}\`.nokey WHERE a = ? LIMIT 1`, [(i + 3) % 7])
      await source.query(`UPDATE \`${db}\`.keyed SET pad = 'after checkpoint' WHERE id = ?`, [i + 1])
      await source.query('COMMIT')
    }
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done).toBe('paused')
    // A SIGKILL between the target's commits and the store's checkpoint write leaves this: the store's position
    // before those transactions, the job marked as stopped abruptly.
    job.store.saveAppliedCheckpoint(job.jobId, before)
    job.store.updateJob(job.jobId, { status: 'interrupted' })
    const again = job.restart()
    await again.caughtUpAfter(Date.now())
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    await expectSameTables(source, target, db)
  }, 120_000)

  it.each([
    ['a pause', 100_000, /safe mode on \(replaying up to where the last run stopped/],
    // A SIGKILL leaves no record of where the run was: the store's status says it stopped abruptly.
    ['a kill', 200_000, /safe mode on \(the previous run stopped abruptly/],
  ])(
    'splits a transaction over the target transaction cap, and resumes %s between its parts in safe mode',
    async (_, base, safeModeOn) => {
      await target.query(`DROP DATABASE IF EXISTS \`${db}\``)
      // About 260 KB of row data: committed in parts of at most 64 KiB.
      const cap = { txnCapBytes: 64 * 1024 }
      const job = runJob(input(`replay-large-${base}`), cap)
      await job.caughtUpAfter(Date.now())
      // 20,000 inserts in one transaction: ten parts of 2,000 on the reader's side.
      const large = source.query(`INSERT INTO \`${db}\`.keyed SELECT ? + seq, 'large' FROM \`${db}\`.seq_1_to_20000`, [
        base,
      ])
      const count = async () => {
        const [[row]] = (await target.query(`SELECT COUNT(*) AS n FROM \`${db}\`.keyed WHERE id > ?`, [
          base,
        ])) as unknown as [[{ n: string | number }]]
        return Number(row.n)
      }
      let onTarget = 0
      for (let i = 0; i < 1000 && onTarget === 0; i++) {
        onTarget = await count()
        if (onTarget === 0) await sleep(10)
      }
      job.run.pause()
      expect(await job.run.done).toBe('paused')
      await large
      const stoppedWith = await count()
      expect(stoppedWith, 'stopped with part of the transaction on the target').toBeLessThan(20000)
      expect(stoppedWith).toBeGreaterThan(0)
      const split = job.logs.filter((l) => l.startsWith('warning REPLICATE_TXN_SPLIT '))
      expect(split, 'logged once for the transaction').toHaveLength(1)
      expect(split[0]).toMatch(
        /after \S+:\d+ is larger than one target transaction may be \(0\.1 MiB of row data\): its first \d+ row changes/,
      )
      if (base === 200_000) {
        job.store.saveSafeUntil(job.jobId, null)
        job.store.updateJob(job.jobId, { status: 'interrupted' })
      }
      const again = job.restart(cap)
      await again.caughtUpAfter(Date.now())
      again.run.pause()
      expect(await again.run.done, again.logs.join('\n')).toBe('paused')
      expect(again.logs.join('\n')).toMatch(safeModeOn)
      await expectSameTables(source, target, db)
    },
    120_000,
  )
})
