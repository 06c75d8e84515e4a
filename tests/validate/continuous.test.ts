/**
 * Continuous validation against the real servers (TiDB target): every row the binlog changes is compared again in
 * the background. Under a write workload over every column type and key shape it reports no difference and drains
 * its pending rows; rows made different on the target behind the job's back after their change was applied are
 * found exactly (different, extra, missing) and cleared once repaired; rows still pending when the job pauses are
 * compared after it resumes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { ContinuousValidationStatus } from '../../src/shared/domain/validation'
import { createEngine, type Engine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { openJobStore } from '../../src/main/store/jobStore'
import {
  closeScratchDatabase,
  connectSource,
  openScratchDatabase,
  sourceServer,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { hotTable, writeTransactions } from '../harness/writeLoad'
import { compareTable } from '../harness/tableComparison'
import { fillZoo, zooDdl } from '../harness/typeZoo'

const db = uniqueName('val_cont')
const dir = mkdtempSync(join(tmpdir(), 'cutover-continuous-'))
let source: Connection
let target: Connection
let writer: Connection
let engine: Engine
let jobId: string
const statuses: ContinuousValidationStatus[] = []
/** Rows are first compared this long after their change: long enough for a test to change the target first. */
const delayMs = 2500

const status = () => engine.jobStatus(jobId).continuousValidation

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await test())) {
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms; last ${JSON.stringify(status())}; job ${JSON.stringify(engine.getJob(jobId))}`,
      )
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function targetHas(sql: string, expected: number): Promise<boolean> {
  const [rows] = (await target.query(sql)) as unknown as [{ n: number }[]]
  return Number(rows[0]!.n) === expected
}

async function expectTablesEqual(names: string[]): Promise<void> {
  for (const name of names) {
    const difference = await compareTable(source, target, db, name)
    expect(difference.firstDifference, name).toBeNull()
    expect(difference.targetRows, name).toBe(difference.sourceRows)
  }
}

/** Small transactions over the keyed tables, as fast as the source takes them. */
function writeLoad(c: Connection, until: () => boolean): Promise<number> {
  return writeTransactions(c, until, {
    keys: 3000,
    seed: 11,
    operations: [
      ...hotTable.operations(c, db, 'é😀'),
      ({ rand, transaction }) =>
        c.query(`UPDATE \`${db}\`.accounts SET note = ? WHERE region = ? AND n = ?`, [
          `t${transaction}`,
          'zürich',
          rand(300),
        ]),
      // A key change: the old key's row leaves, the new one arrives.
      ({ id }) => c.query(`UPDATE IGNORE \`${db}\`.hot SET id = id + 10000 WHERE id = ?`, [id]),
    ],
  })
}

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  writer = await connectSource()
  await source.query(zooDdl(db))
  await fillZoo(source, db)
  await hotTable.create(source, db, 3000)
  await source.query(
    `CREATE TABLE \`${db}\`.accounts (region VARCHAR(20) NOT NULL, n INT NOT NULL, note VARCHAR(40), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci`,
  )
  await source.query(
    `INSERT INTO \`${db}\`.accounts VALUES ${['Ärhus', 'zürich', '東京'].flatMap((r) => Array.from({ length: 300 }, (_, n) => `('${r}', ${n}, 'note')`)).join(',')}`,
  )
  await source.query(`CREATE TABLE \`${db}\`.codes (code VARBINARY(16) NOT NULL, v INT, UNIQUE KEY (code))`)
  await source.query(`INSERT INTO \`${db}\`.codes VALUES (0x00, 1), (0xff00, 2), (0x5c27, 3), (0x0d0a1a, 4)`)
  await source.query(
    `CREATE TABLE \`${db}\`.latin_keys (name VARCHAR(20) CHARACTER SET latin1 NOT NULL PRIMARY KEY, v INT) DEFAULT CHARSET=latin1`,
  )
  await source.query(`INSERT INTO \`${db}\`.latin_keys VALUES ('apple', 1), ('Banana', 2), ('Élan', 3)`)
  await source.query(`CREATE TABLE \`${db}\`.loose (a INT, b VARCHAR(10))`)
  engine = createEngine({ store: openJobStore(join(dir, 'cutover.db')), secrets: memoryOnlySecrets })
  engine.events.subscribe((channel, payload) => {
    if (channel === 'validation:continuous') statuses.push(payload as ContinuousValidationStatus)
  })
  const job = engine.createJob(
    jobConfigSchema.parse({
      name: 'val-continuous',
      source: sourceServer(),
      target: targetServer(),
      type: 'both',
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0, continuousValidation: true },
    }),
  )
  jobId = job.id
  engine.startJob(jobId, { heartbeatSeconds: 0.5, validationDelayMs: delayMs })
  await until('the incremental stage', () => engine.getJob(jobId).stage === 'incremental', 180_000)
}, 240_000)

afterAll(async () => {
  await engine?.shutdown().catch(() => undefined)
  engine?.close()
  await closeScratchDatabase(db, source, target, writer)
  rmSync(dir, { recursive: true, force: true })
})

describe('continuous validation', () => {
  it('follows every changed row of every type and key shape under a write workload: no difference, nothing left pending', async () => {
    await source.query(`UPDATE \`${db}\`.zoo SET i = IFNULL(i, 0) - 1`)
    await source.query(`UPDATE \`${db}\`.codes SET v = v + 1`)
    await source.query(`UPDATE \`${db}\`.latin_keys SET v = v + 1`)
    await source.query(`UPDATE \`${db}\`.accounts SET note = CONCAT(note, '✓') WHERE n < 100`)
    await source.query(`INSERT INTO \`${db}\`.loose VALUES (1, 'a'), (1, 'a')`)
    let stop = false
    const load = writeLoad(writer, () => stop)
    await new Promise((r) => setTimeout(r, 8000))
    stop = true
    const transactions = await load
    expect(transactions).toBeGreaterThan(50)
    await until('every changed row compared', () => (status()?.pending ?? 1) === 0, 120_000)
    const done = status()!
    expect(done.failed, JSON.stringify(done.failedRows)).toBe(0)
    // At least the zoo's rows, 100 × 3 accounts, 4 codes and 3 latin1 keys, and rows of the workload (a row changed
    // again while it waits is compared once).
    expect(done.checked).toBeGreaterThan(300 + 4 + 3 + 50)
    expect(done.notFollowed).toEqual([expect.objectContaining({ table: `${db}.loose`, rows: 2 })])
    expect(statuses.length).toBeGreaterThan(0)
    await expectTablesEqual(['zoo', 'hot', 'accounts', 'codes', 'latin_keys', 'loose'])
  }, 240_000)

  it('finds rows made different on the target after their change was applied, exactly, and clears them once repaired', async () => {
    await source.query(`INSERT INTO \`${db}\`.hot VALUES (50001, 'a', 1), (50002, 'b', 2), (50003, 'c', 3)`)
    await until('the rows applied', () => targetHas(`SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE id > 50000`, 3))
    // Noted before they were applied; the store has them as pending within a second, and they are due after 2.5 s.
    await new Promise((r) => setTimeout(r, 1200))
    await until('the rows compared', () => (status()?.pending ?? 1) === 0)
    const checkedBefore = status()!.checked

    await source.query(`UPDATE \`${db}\`.hot SET v = 'source' WHERE id = 50001`)
    await source.query(`DELETE FROM \`${db}\`.hot WHERE id = 50002`)
    await source.query(`INSERT INTO \`${db}\`.hot VALUES (50004, 'd', 4)`)
    // As soon as the target has the three changes, and before they are due, the target is changed behind the job.
    await until('the changes applied', () =>
      targetHas(
        `SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE (id = 50001 AND v = 'source') OR id = 50004 OR (id = 50002 AND 0)`,
        2,
      ).then(async (two) => two && targetHas(`SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE id = 50002`, 0)),
    )
    await target.query(`UPDATE \`${db}\`.hot SET v = 'tampered' WHERE id = 50001`)
    await target.query(`INSERT INTO \`${db}\`.hot VALUES (50002, 'back', 2)`)
    await target.query(`DELETE FROM \`${db}\`.hot WHERE id = 50004`)

    await until('three rows found different', () => (status()?.failed ?? 0) === 3, 30_000)
    const found = status()!
    expect(found.pending).toBe(0)
    const rows = [...found.failedRows].sort((a, b) => Number(a.key['id']) - Number(b.key['id']))
    expect(rows.map((r) => [r.table, r.kind, r.key, r.columns])).toEqual([
      [`${db}.hot`, 'different', { id: '50001' }, ['v']],
      [`${db}.hot`, 'extra', { id: '50002' }, []],
      [`${db}.hot`, 'missing', { id: '50004' }, []],
    ])
    expect(found.checked).toBe(checkedBefore)
    expect(engine.getJob(jobId).status).toBe('running')

    // The report and the cutover's readiness say so too.
    const { report, html } = engine.migrationReport(jobId)
    expect(report.validations.continuous?.failed).toBe(3)
    expect(html).toContain('3 rows differ')
    expect(html).toContain('id=50004')
    const readiness = await engine.cutoverReadiness(jobId, { validate: 'none' })
    expect(readiness.items.find((i) => i.id === 'continuous')).toMatchObject({ status: 'fail' })
    expect(readiness.ready).toBe(false)

    // Repaired on the target by hand: the re-reads of failed rows clear them.
    await target.query(`UPDATE \`${db}\`.hot SET v = 'source' WHERE id = 50001`)
    await target.query(`DELETE FROM \`${db}\`.hot WHERE id = 50002`)
    await target.query(`INSERT INTO \`${db}\`.hot VALUES (50004, 'd', 4)`)
    await until('the repaired rows cleared', () => (status()?.failed ?? 1) === 0, 30_000)
    await expectTablesEqual(['hot'])
    expect((await engine.cutoverReadiness(jobId, {})).items.find((i) => i.id === 'continuous')).toMatchObject({
      status: 'pass',
    })
  }, 120_000)

  it('keeps the rows still pending across a pause and compares them after the job resumes', async () => {
    await source.query(`UPDATE \`${db}\`.hot SET v = 'pause-mark' WHERE id < 200`)
    const [[{ n: changed }]] = (await source.query(
      `SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE id < 200`,
    )) as unknown as [[{ n: number }]]
    expect(Number(changed)).toBeGreaterThan(100)
    await until('the update applied', () =>
      targetHas(`SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE v = 'pause-mark'`, Number(changed)),
    )
    // Paused before the rows are due: they stay in the store.
    await engine.pauseJob(jobId)
    expect(engine.getJob(jobId).status).toBe('paused')
    const kept = status()!
    expect(kept.pending).toBeGreaterThan(0)
    expect(kept.pending).toBeLessThanOrEqual(Number(changed))
    const checkedBefore = kept.checked

    engine.startJob(jobId, { heartbeatSeconds: 0.5, validationDelayMs: delayMs })
    await until('the kept rows compared after the resume', () => (status()?.pending ?? 1) === 0, 60_000)
    expect(status()!.failed).toBe(0)
    expect(status()!.checked - checkedBefore).toBe(kept.pending)
    await expectTablesEqual(['hot'])
    await engine.pauseJob(jobId)
  }, 120_000)

  it('is turned off and on again by a rescale, which keeps the rest of the spec', async () => {
    const spec = engine.getJob(jobId).config.spec
    await engine.rescaleJob(jobId, { ...spec, continuousValidation: false })
    expect(engine.getJob(jobId).config.spec).toEqual({ ...spec, continuousValidation: false })
    engine.startJob(jobId, { heartbeatSeconds: 0.5, validationDelayMs: delayMs })
    await until(
      'replicating',
      () => engine.getJob(jobId).stage === 'incremental' && engine.getJob(jobId).status === 'running',
    )
    const before = status()!
    await source.query(`UPDATE \`${db}\`.hot SET v = 'unfollowed' WHERE id < 50`)
    const [[{ n: rows }]] = (await source.query(
      `SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE v = 'unfollowed'`,
    )) as unknown as [[{ n: number }]]
    expect(Number(rows)).toBeGreaterThan(10)
    await until('the update applied', () =>
      targetHas(`SELECT COUNT(*) AS n FROM \`${db}\`.hot WHERE v = 'unfollowed'`, Number(rows)),
    )
    await new Promise((r) => setTimeout(r, delayMs + 1500))
    expect(status()).toEqual(before)
    await engine.rescaleJob(jobId, { ...spec, continuousValidation: true })
    expect(engine.getJob(jobId).config.spec.continuousValidation).toBe(true)
    await until('running again after the rescale', () => engine.getJob(jobId).status === 'running')
    await source.query(`UPDATE \`${db}\`.hot SET v = 'followed' WHERE id < 50`)
    await until(
      'the rows compared',
      () => (status()?.checked ?? 0) >= before.checked + Number(rows) && status()!.pending === 0,
    )
    expect(status()!.failed).toBe(0)
    await engine.pauseJob(jobId)
  }, 120_000)
})
