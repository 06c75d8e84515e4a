/**
 * Progress across a pause: a resumed copy's first progress starts from the rows of its committed chunks (the
 * store's), never below them; where a table's count drops (rows of chunks interrupted by the pause are copied
 * again), the log says so for that table. Each table's phase moves forward only, to 'done'.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobProgress } from '../../src/shared/domain/events'
import { tablePhases } from '../../src/shared/domain/events'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { JobMode } from '../../src/shared/domain/job'
import { startJob } from '../../src/main/engine/jobRunner'
import { recordingHost } from './jobRun'
import { openJobStore } from '../../src/main/store/jobStore'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'

describe.each<JobMode>(['logical', 'physical'])('progress after pause and resume, %s mode', (mode) => {
  const db = uniqueName(`progress_${mode}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(
      `CREATE TABLE \`${db}\`.payloads (id INT PRIMARY KEY, payload VARCHAR(1200) NOT NULL, KEY by_prefix (payload(16)))`,
    )
    await source.query(`INSERT INTO \`${db}\`.payloads SELECT seq, REPEAT(MD5(seq), 32) FROM \`${db}\`.seq_1_to_12000`)
    await source.query(`ANALYZE TABLE \`${db}\`.payloads`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('starts the resumed copy from its committed chunks and logs why a table drops', async () => {
    const store = openJobStore(':memory:')
    const config = jobConfigSchema.parse({
      name: `progress-${mode}`,
      source: { ...sourceServer() },
      target: { ...targetServer() },
      type: 'existing',
      mode,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 1, deferIndexes: true, analyze: true },
    })
    const job = store.createJob(config)
    const table = `${db}.payloads`
    const logs: string[] = []
    let seen: JobProgress[] = []
    const hooks = recordingHost(store, {
      log: (e) => logs.push(`${e.level} ${e.code ?? '-'} ${e.message}`),
      progress: (p) => seen.push(p),
    })
    const rowsOf = (p: JobProgress | undefined) => p?.tables.find((t) => t.table === table)?.rowsDone ?? 0
    const options = { targetChunkBytes: 2 * 1024 * 1024 }
    const first = startJob(job, config, hooks, options)
    // Paused mid-table: some chunks committed, others being written.
    const doneChunks = () => store.listChunks(job.id).filter((c) => c.state === 'done')
    for (let i = 0; i < 600 && doneChunks().length < 1; i++) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 1000))
    first.pause()
    expect(await first.done, logs.join('\n')).toBe('paused')
    const chunks = store.listChunks(job.id)
    const committed = chunks.filter((c) => c.state === 'done').reduce((n, c) => n + c.rows, 0)
    expect(committed, logs.join('\n')).toBeGreaterThan(0)
    expect(chunks.some((c) => c.state !== 'done')).toBe(true)
    // Rows sent to the target in chunks that did not finish are shown as copied; the pause gives them up, and the
    // log says so (physical mode shows them as LOAD DATA streams; logical mode's statements may hold a whole chunk).
    const shownBefore = Math.max(...seen.map(rowsOf))
    expect(rowsOf(seen.at(-1)), 'the paused job shows its committed chunks').toBe(committed)
    if (shownBefore > committed) {
      const why = logs.find((l) => l.includes('LOAD_CHUNKS_REDONE') && l.includes(table))
      expect(
        why,
        `${shownBefore} rows shown before the pause, ${committed} committed\n${logs.join('\n')}`,
      ).toBeDefined()
      expect(why).toContain(`${committed} rows of`)
    }

    seen = []
    const outcome = await startJob(store.getJob(job.id)!, config, hooks, options).done
    expect(outcome, logs.join('\n')).toBe('finished')
    const firstAfter = seen.find((p) => p.stage === 'existing')
    expect(rowsOf(firstAfter), logs.join('\n')).toBeGreaterThanOrEqual(committed)
    // Phases only move forward; the secondary index built after the data and ANALYZE are shown as phases of their own.
    const phases = seen.flatMap((p) => p.tables.filter((t) => t.table === table).map((t) => t.phase))
    const order = tablePhases as readonly string[]
    for (let i = 1; i < phases.length; i++)
      expect(order.indexOf(phases[i]!), phases.join(' ')).toBeGreaterThanOrEqual(order.indexOf(phases[i - 1]!))
    expect(phases.at(-1)).toBe('done')
    expect(phases).toContain('indexing')
    expect(phases).toContain('analyzing')
    const last = seen.at(-1)!.tables.find((t) => t.table === table)!
    expect(last.rowsTotal, 'a done table is complete, whatever its estimate said').toBe(last.rowsDone)
    const diff = await compareTable(source, target, db, 'payloads')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetRows).toBe(diff.sourceRows)
  })
})
