/**
 * A half-open source connection during incremental sync: the job's source connections go through the fault proxy,
 * which black-holes them (no byte either way, no FIN, no RST) while the source keeps writing. With a heartbeat every
 * 0.5 s the binlog connection is silent past its bound (stallSeconds) within seconds: the job drops it, says so,
 * reconnects from its checkpoint once the path passes again, and ends with source and target equal.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stallSeconds } from '../../src/main/engine/replicate/binlogReader'
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob } from './replicationFixture'

describe('a half-open source connection during incremental sync', () => {
  const db = uniqueName('halfopen')
  let source: Connection
  let target: Connection
  let proxy: FaultProxy

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    proxy = await startFaultProxy(sourceServer())
    await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(40))`)
    await source.query(`INSERT INTO \`${db}\`.t SELECT seq, 0, CONCAT('row ', seq) FROM \`${db}\`.seq_1_to_1000`)
  })
  afterAll(async () => {
    await proxy?.close()
    await closeScratchDatabase(db, source, target)
  })

  it(
    'is detected by the missing heartbeats, dropped and reconnected from the checkpoint',
    { timeout: 120_000 },
    async () => {
      const heartbeatSeconds = 0.5
      const job = runJob(
        {
          name: 'half-open',
          source: { ...sourceServer(), host: proxy.host, port: proxy.port },
          target: targetServer(),
          type: 'both',
          objects: [db],
        },
        { heartbeatSeconds },
      )
      await job.caughtUpAfter(Date.now())

      let writing = true
      let round = 0
      const writer = (async () => {
        while (writing) {
          round++
          await source.query(`UPDATE \`${db}\`.t SET n = n + 1 WHERE id % 7 = ?`, [round % 7])
          await source.query(`INSERT INTO \`${db}\`.t VALUES (?, ?, 'new')`, [10_000 + round, round])
          await source.query(`DELETE FROM \`${db}\`.t WHERE id = ?`, [round * 3])
          await new Promise((r) => setTimeout(r, 20))
        }
      })()

      await new Promise((r) => setTimeout(r, 500))
      proxy.blackHole('both')
      const holedAt = Date.now()
      const bound = (stallSeconds(heartbeatSeconds) + 6) * 1000
      while (!job.logs.some((l) => /half-open/.test(l))) {
        if (Date.now() - holedAt > bound) {
          proxy.pass()
          writing = false
          await writer
          throw new Error(`no half-open detection within ${bound} ms:\n${job.logs.join('\n')}`)
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      const detectedMs = Date.now() - holedAt
      proxy.pass()
      await new Promise((r) => setTimeout(r, 1000))
      writing = false
      await writer
      expect(round).toBeGreaterThan(20)

      await job.caughtUpAfter(Date.now(), 60_000)
      job.run.pause()
      expect(await job.run.done).toBe('paused')
      const log = job.logs.join('\n')
      expect(log).toMatch(
        /No binlog event or heartbeat from the source for [\d.]+ s \(a heartbeat is due every 0.5 s\): the connection is half-open\. Reconnecting in \d+ s from the last checkpoint/,
      )
      expect(log).toMatch(/safe mode on \(reconnecting after a lost connection\)/)
      expect(detectedMs).toBeGreaterThanOrEqual(stallSeconds(heartbeatSeconds) * 1000 - 1000)
      console.log(
        `half-open detected after ${detectedMs} ms (bound ${stallSeconds(heartbeatSeconds)} s), ${round} write rounds`,
      )
      await expectSameTables(source, target, db, ['t'])
    },
  )
})
