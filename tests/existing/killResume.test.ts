/**
 * A job killed with SIGKILL mid-load and run again finishes from its chunk checkpoints: chunks committed
 * before the kill are not copied again, and source and target end equal (keyed and key-less tables alike).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobMode } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import {
  openScratchDatabase,
  closeScratchDatabase,
  sourceServer,
  everyTarget,
  targetServerOf,
  uniqueName,
} from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli } from '../cli/cliProcess'

const cases = everyTarget().flatMap((kind) => (['logical', 'physical'] as JobMode[]).map((mode) => ({ kind, mode })))

describe.each(cases)('kill -9 and resume, $mode mode into $kind', ({ kind, mode }) => {
  const db = uniqueName(`kill_${kind}_${mode}`)
  const dir = mkdtempSync(join(tmpdir(), 'cutover-kill-'))
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, kind))
    await source.query(
      `CREATE TABLE \`${db}\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(12,2), note TEXT, created DATETIME(6))`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.orders SELECT seq, CONCAT('customer ', seq % 977), seq * 1.25, REPEAT('x', 150 + seq % 50), '2024-01-01' + INTERVAL seq SECOND FROM \`${db}\`.seq_1_to_120000`,
    )
    await source.query(`CREATE TABLE \`${db}\`.events (at DATETIME, what VARCHAR(200))`)
    await source.query(
      `INSERT INTO \`${db}\`.events SELECT '2024-01-01' + INTERVAL seq MINUTE, REPEAT('e', seq % 200) FROM \`${db}\`.seq_1_to_60000`,
    )
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
    rmSync(dir, { recursive: true, force: true })
  })

  it('redoes only unfinished chunks and ends with equal tables', async () => {
    const s = sourceServer()
    const t = targetServerOf(kind)
    const jobFile = join(dir, 'job.yaml')
    const storePath = join(dir, 'cutover.db')
    writeFileSync(
      jobFile,
      [
        `name: kill-${kind}-${mode}`,
        `source: { host: 127.0.0.1, port: ${s.port}, user: ${s.user} }`,
        `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
        'type: existing',
        `mode: ${mode}`,
        `objects: [${db}]`,
        // A cap slows the copy (about 11 s for its 32 MB) enough to kill it in the middle even when the test's own
        // process is starved of CPU for seconds (at 8 MB/s a copy once ended between two of its polls).
        'spec: { concurrency: 2, exportMBps: 3 }',
      ].join('\n'),
    )
    const env = {
      CUTOVER_SOURCE_PASSWORD: s.password,
      CUTOVER_TARGET_PASSWORD: t.password,
      CUTOVER_CHUNK_BYTES: String(256 * 1024),
    }
    const args = ['run', jobFile, '--store', storePath, '--accept-warnings']

    const first = runCli(args, env)
    const reader = () => {
      const store = openJobStore(storePath)
      try {
        return store.listChunks(store.findJobByName(`kill-${kind}-${mode}`)?.id ?? '')
      } finally {
        store.close()
      }
    }
    let doneBeforeKill = 0
    for (let i = 0; i < 600 && doneBeforeKill < 8; i++) {
      await new Promise((r) => setTimeout(r, 50))
      try {
        doneBeforeKill = reader().filter((c) => c.state === 'done').length
      } catch {
        // The store file may not exist yet.
      }
    }
    first.kill()
    expect(await first.exited).toBeNull()
    const afterKill = reader()
    const done = afterKill.filter((c) => c.state === 'done')
    expect(done.length).toBeGreaterThanOrEqual(8)
    expect(done.length).toBeLessThan(afterKill.length)

    const second = runCli(args, env)
    expect(await second.exited, second.output()).toBe(0)
    const final = reader()
    expect(final.every((c) => c.state === 'done')).toBe(true)
    // Chunks committed before the kill kept their checkpoint (not redone: their timestamps would change too,
    // but their row counts are the proof that matters).
    for (const c of done)
      expect(final.find((f) => f.table === c.table && f.chunkIndex === c.chunkIndex)?.rows).toBe(c.rows)

    for (const table of ['orders', 'events']) {
      const diff = await compareTable(source, target, db, table)
      expect(diff.firstDifference, table).toBeNull()
      expect(diff.targetRows, table).toBe(diff.sourceRows)
      expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
    }
    // Two capped runs (about 11 s of copy in all) plus two prechecks, on a machine that also runs other suites.
  }, 180_000)
})
