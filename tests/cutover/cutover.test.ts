/**
 * The cutover on the real TiDB target: a `both` job replicates a write workload; the workload stops (the DBA's
 * freeze, or Cutover's read_only while the workload keeps trying), the job is cut over, and the recorded point is
 * the source's final binlog position, the target has applied it, and every table is equal row by row. A private
 * MariaDB source: read_only and a global read lock must not reach the suites sharing the harness's source.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CutoverProgress } from '../../src/shared/domain/cutover'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { createEngine, type Engine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { openJobStore } from '../../src/main/store/jobStore'
import { finishCommand } from '../../src/main/cli/commands/finish'
import { reportCommand } from '../../src/main/cli/commands/report'
import type { MigrationReport } from '../../src/shared/domain/report'
import { connectTarget, startMariaDb, targetServer, uniqueName, type MariaDbServer } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'

const tables = ['orders', 'lines', 'notes', 'names']

async function fill(c: Connection, db: string): Promise<void> {
  await c.query(`CREATE DATABASE \`${db}\``)
  await c.query(
    `CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, customer VARCHAR(40), total DECIMAL(12,2), at DATETIME(6)) DEFAULT CHARSET=utf8mb4`,
  )
  await c.query(
    `CREATE TABLE \`${db}\`.lines (order_id INT NOT NULL, n INT NOT NULL, item VARCHAR(40), qty BIGINT UNSIGNED, PRIMARY KEY (order_id, n)) DEFAULT CHARSET=utf8mb4`,
  )
  await c.query(`CREATE TABLE \`${db}\`.notes (id INT PRIMARY KEY, body TEXT) DEFAULT CHARSET=utf8mb4`)
  await c.query(
    `INSERT INTO \`${db}\`.orders VALUES ${Array.from({ length: 2000 }, (_, i) => `(${i}, 'c${i % 97} ✓', ${i}.25, '2026-01-01 10:00:00.${String(i).padStart(6, '0')}')`).join(',')}`,
  )
  await c.query(
    `INSERT INTO \`${db}\`.lines VALUES ${Array.from({ length: 3000 }, (_, i) => `(${i % 2000}, ${Math.floor(i / 2000)}, 'item ${i}', ${i * 3})`).join(',')}`,
  )
  await c.query(`INSERT INTO \`${db}\`.notes VALUES (1, 'untouched by the workload')`)
  // latin1_swedish_ci has no TiDB counterpart (a collation rewrite); a trigger is not migrated: both are reported.
  await c.query(`CREATE TABLE \`${db}\`.names (id INT PRIMARY KEY, name VARCHAR(20)) DEFAULT CHARSET=latin1`)
  await c.query(`INSERT INTO \`${db}\`.names VALUES (1, 'Åsa'), (2, 'åsa'), (3, 'Bo'), (4, 'Émile')`)
  await c.query(
    `CREATE TRIGGER \`${db}\`.orders_touch BEFORE UPDATE ON \`${db}\`.orders FOR EACH ROW SET NEW.customer = NEW.customer`,
  )
}

/** Inserts, updates and deletes until `stop()`; writes refused by read_only end it. Returns the statements done. */
async function workload(c: Connection, db: string, stop: () => boolean): Promise<{ done: number; refused: number }> {
  let done = 0
  let refused = 0
  for (let i = 0; !stop(); i++) {
    const id = 10_000 + i
    try {
      await c.query('BEGIN')
      await c.query(`INSERT INTO \`${db}\`.orders VALUES (?, 'live', ?, NOW(6))`, [id, i])
      await c.query(`INSERT INTO \`${db}\`.lines VALUES (?, 0, 'live', ?)`, [id, i])
      await c.query(`UPDATE \`${db}\`.orders SET total = total + 1 WHERE id = ?`, [i % 2000])
      if (i % 3 === 0) await c.query(`DELETE FROM \`${db}\`.lines WHERE order_id = ? AND n = 1`, [i % 1000])
      await c.query('COMMIT')
      done++
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined)
      if ((error as { errno?: number }).errno !== 1290) throw error
      refused++
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return { done, refused }
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('cutover of a both job on TiDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-finish-'))
  let server: MariaDbServer
  let admin: Connection
  let target: Connection
  let engine: Engine
  const dbs: string[] = []

  beforeAll(async () => {
    server = await startMariaDb({ name: 'cutover', binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } })
    admin = await server.connect()
    target = await connectTarget()
    engine = createEngine({ store: openJobStore(join(dir, 'cutover.db')), secrets: memoryOnlySecrets })
  }, 120_000)
  afterAll(async () => {
    engine?.close()
    for (const db of dbs) await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await Promise.all([admin?.end(), target?.end()])
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function replicatingJob(name: string, db: string): Promise<string> {
    dbs.push(db)
    await fill(admin, db)
    const job = engine.createJob(
      jobConfigSchema.parse({
        name,
        source: server.connectionOptions(),
        target: targetServer(),
        type: 'both',
        objects: [db],
        spec: { concurrency: 2, exportMBps: 0 },
      }),
    )
    engine.startJob(job.id, { heartbeatSeconds: 0.5 })
    await waitFor('the job to replicate', () => {
      const now = engine.getJob(job.id)
      if (now.status === 'failed') throw new Error(JSON.stringify(now.lastError))
      return now.stage === 'incremental'
    })
    return job.id
  }

  async function expectEqual(db: string): Promise<void> {
    for (const table of tables) {
      const diff = await compareTable(admin, target, db, table)
      expect(diff.firstDifference, `${db}.${table}`).toBeNull()
      expect(diff.targetRows, `${db}.${table}`).toBe(diff.sourceRows)
      expect(diff.targetChecksum, `${db}.${table}`).toBe(diff.sourceChecksum)
      expect(diff.sourceRows).toBeGreaterThan(0)
    }
  }

  it('a DBA-stopped workload: the recorded point is the source final position, applied, and the tables are equal', async () => {
    const db = uniqueName('cut_manual')
    const jobId = await replicatingJob('cut-manual', db)
    const writer = await server.connect()
    let stop = false
    const load = workload(writer, db, () => stop)
    const steps: CutoverProgress[] = []
    const unsubscribe = engine.events.subscribe((channel, payload) => {
      if (channel === 'cutover:progress') steps.push(payload as CutoverProgress)
    })
    try {
      // While the workload runs, the job is not ready before lag has stayed low for the asked time.
      const early = await engine.cutoverReadiness(jobId, { readySeconds: 3600 })
      expect(early.ready).toBe(false)
      expect(early.items.find((i) => i.id === 'lag')?.status).toBe('fail')
      expect(early.items.find((i) => i.id === 'validation')?.status).toBe('warning')
      await new Promise((r) => setTimeout(r, 3000))

      // A cutover while the job's tables keep changing does not complete, and the job keeps replicating.
      await expect(
        engine.cutoverJob(jobId, { freeze: 'manual', readySeconds: 0, stillSeconds: 0.5, applyTimeoutSeconds: 4 }),
      ).rejects.toMatchObject({ code: expect.stringMatching(/CUTOVER_SOURCE_WRITTEN|CUTOVER_NOT_READY/) })
      expect(engine.getJob(jobId).status).toBe('running')

      stop = true
      const { done } = await load
      expect(done).toBeGreaterThan(20)
      await waitFor('readiness', async () => (await engine.cutoverReadiness(jobId, { readySeconds: 2 })).ready)
      const record = await engine.cutoverJob(
        jobId,
        { freeze: 'manual', readySeconds: 2, stillSeconds: 1, validate: 'changed' },
        {},
        { validation: { chunkRows: 500, leafRows: 64 } },
      )

      const [status] = (await admin.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]]
      const [gtid] = (await admin.query('SELECT @@GLOBAL.gtid_binlog_pos AS g')) as unknown as [{ g: string }[]]
      expect(record.position).toEqual({
        file: status[0]!.File,
        position: Number(status[0]!.Position),
        gtidSet: gtid[0]!.g,
      })
      const applied = engine.jobStatus(jobId).positions.applied
      expect(applied).toMatchObject({ file: record.position.file, position: record.position.position })
      expect(record.validation).toMatchObject({ scope: 'changed', status: 'equal' })
      // orders and lines changed, notes and names did not: never validated before, all four are compared.
      expect(record.validation.tables).toBe(4)
      expect(record.rowsCopied).toBe(5005)
      expect(record.rowsReplicated).toBeGreaterThan(done * 3)
      expect(record.freeze).toBe('manual')
      expect(engine.getJob(jobId).status).toBe('cutover')
      expect(engine.cutoverRecord(jobId)).toEqual(record)
      expect(steps.map((s) => s.step)).toEqual(
        expect.arrayContaining(['checking', 'freezing', 'still', 'applying', 'validating', 'recording', 'done']),
      )
      await expectEqual(db)

      // Cut over: the job has ended; a later source write is not replicated and the job cannot be resumed.
      expect(() => engine.startJob(jobId)).toThrow(expect.objectContaining({ code: 'JOB_CUT_OVER' }))
    } finally {
      stop = true
      unsubscribe()
      await load.catch(() => undefined)
      await writer.end()
    }
  }, 300_000)

  it('read_only under a workload that keeps writing: writes refused, the point recorded, read_only left on', async () => {
    const db = uniqueName('cut_ro')
    const jobId = await replicatingJob('cut-readonly', db)
    const app = await server.createUser({
      user: uniqueName('app'),
      grants: [`SELECT, INSERT, UPDATE, DELETE ON \`${db}\`.*`],
    })
    const writer = await server.connect()
    await writer.changeUser({ user: app.user, password: app.password })
    let stop = false
    const load = workload(writer, db, () => stop)
    try {
      await new Promise((r) => setTimeout(r, 2000))
      await expect(engine.cutoverJob(jobId, { freeze: 'read_only', readySeconds: 0 })).rejects.toMatchObject({
        code: 'CUTOVER_FREEZE_NOT_CONFIRMED',
      })
      await waitFor('readiness', async () => (await engine.cutoverReadiness(jobId, { readySeconds: 1 })).ready)
      const record = await engine.cutoverJob(
        jobId,
        { freeze: 'read_only', confirmFreeze: true, readySeconds: 1, stillSeconds: 1, validate: 'all' },
        {},
        { validation: { chunkRows: 500, leafRows: 64 } },
      )
      const [ro] = (await admin.query('SELECT @@GLOBAL.read_only AS ro')) as unknown as [{ ro: number }[]]
      expect(Number(ro[0]!.ro)).toBe(1)
      expect(record.sourceReadOnly).toBe(true)
      expect(record.validation).toMatchObject({ scope: 'all', tables: 4, status: 'equal' })
      stop = true
      const { done, refused } = await load
      expect(done).toBeGreaterThan(10)
      expect(refused).toBeGreaterThan(0)
      const [status] = (await admin.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]]
      expect(record.position).toMatchObject({ file: status[0]!.File, position: Number(status[0]!.Position) })
      await expectEqual(db)
    } finally {
      stop = true
      await load.catch(() => undefined)
      await admin.query('SET GLOBAL read_only = OFF')
      await writer.end()
    }
  }, 300_000)

  it('a paused job shows how far behind it is, never lag 0', async () => {
    const db = uniqueName('cut_paused')
    const jobId = await replicatingJob('cut-paused', db)
    await waitFor('caught up', () => engine.getJob(jobId).lagSeconds === 0)
    await engine.pauseJob(jobId)
    expect(engine.getJob(jobId)).toMatchObject({ status: 'paused', lagSeconds: null })
    const idle = await engine.cutoverReadiness(jobId)
    expect(idle.behind).toMatchObject({ bytes: 0, seconds: 0 })
    await new Promise((r) => setTimeout(r, 1500))
    await admin.query(
      `INSERT INTO \`${db}\`.orders VALUES ${Array.from({ length: 5000 }, (_, i) => `(${50_000 + i}, 'late', 1, NOW())`).join(',')}`,
    )
    const behind = await engine.cutoverReadiness(jobId)
    expect(behind.ready).toBe(false)
    expect(behind.items.find((i) => i.id === 'state')).toMatchObject({ status: 'fail' })
    expect(behind.behind!.bytes).toBeGreaterThan(5000 * 10)
    expect(behind.behind!.seconds).toBeGreaterThanOrEqual(1.5)
  }, 300_000)

  it('from the CLI, with the job run by another engine: readiness, then a cutover under a global read lock', async () => {
    const db = uniqueName('cut_cli')
    const jobId = await replicatingJob('cut-cli', db)
    const out: string[] = []
    const err: string[] = []
    const io = {
      out: (s: string) => void out.push(s),
      err: (s: string) => void err.push(s),
      interactive: false,
      tty: false,
      env: { CUTOVER_SOURCE_PASSWORD: server.password, CUTOVER_TARGET_PASSWORD: targetServer().password },
      onInterrupt: () => () => undefined,
    }
    const store = join(dir, 'cutover.db')
    expect(await finishCommand('nope', { store }, io)).toBe(2)
    expect(err.join('')).toMatch(/There is no job "nope"/)
    await waitFor('readiness from the CLI', async () => {
      out.length = 0
      return (await finishCommand('cut-cli', { store, readySeconds: '1' }, io)) === 0
    })
    expect(out.join('')).toMatch(/PASS {2}Lag under 1 s for 1 s/)
    expect(out.join('')).toMatch(/Ready to cut over: run again with --go/)
    // A lock without --yes is refused before anything is touched.
    expect(await finishCommand('cut-cli', { store, go: true, freeze: 'lock', readySeconds: '1' }, io)).toBe(2)
    expect(err.join('')).toMatch(/was not confirmed/)
    out.length = 0
    const code = await finishCommand(
      'cut-cli',
      { store, go: true, freeze: 'lock', yes: true, validate: 'all', readySeconds: '1', stillSeconds: '1', json: true },
      io,
    )
    expect(code, err.join('')).toBe(0)
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; position?: unknown; freeze?: string })
    const result = lines.at(-1)!
    expect(result).toMatchObject({ type: 'result', status: 'cutover', freeze: 'lock' })
    expect(lines.filter((l) => l.type === 'progress').length).toBeGreaterThanOrEqual(7)
    const [status] = (await admin.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]]
    expect(result.position).toMatchObject({ file: status[0]!.File, position: Number(status[0]!.Position) })
    // The engine that ran the job stopped it when asked; the lock is released (a write goes through).
    expect(engine.getJob(jobId).status).toBe('cutover')
    await admin.query(`INSERT INTO \`${db}\`.notes VALUES (2, 'after the cutover')`)
    await admin.query(`DELETE FROM \`${db}\`.notes WHERE id = 2`)
    await expectEqual(db)

    // The report lists the rewrites, what was not migrated, the validation and the cutover point; no password.
    const html = join(dir, 'report.html')
    out.length = 0
    expect(reportCommand('cut-cli', { store, html, json: true }, io)).toBe(0)
    const report = JSON.parse(out.join('')) as MigrationReport
    expect(report.rewrites.map((r) => r.message).join('\n')).toMatch(new RegExp(`${db}\\.names.*latin1_swedish_ci`))
    expect(report.notMigrated.map((r) => r.message).join('\n')).toMatch(/trigger .*orders_touch/)
    expect(report.validations.last).toMatchObject({ status: 'equal' })
    expect(report.validations.last!.tables.map((t) => t.table).sort()).toEqual(tables.map((t) => `${db}.${t}`).sort())
    expect(report.cutover).toMatchObject({ position: result.position, freeze: 'lock' })
    expect(report.totals).toMatchObject({ tables: 4, rowsCopied: 5005 })
    expect(report.stages.map((s) => s.name)).toEqual(['schema', 'existing', 'incremental', 'cutover'])
    expect(report.stages.find((s) => s.name === 'existing')).toMatchObject({ rows: 5005 })
    expect(report.stages.find((s) => s.name === 'existing')!.seconds).toBeGreaterThan(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('Migration report: cut-cli')
    expect(page).toContain('latin1_swedish_ci')
    expect(page).toContain(
      `${(result.position as { file: string }).file}:${(result.position as { position: number }).position}`,
    )
    expect(page).not.toContain(server.password)
  }, 300_000)
})
