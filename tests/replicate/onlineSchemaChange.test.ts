/**
 * Online schema change tools on the source: the test replays gh-ost's and pt-online-schema-change's SQL itself
 * (shadow table, its ALTER, chunked copy, the changes a tool mirrors into the shadow, the cut-over rename) while a
 * workload writes to the real table. The target never gets the shadow tables or their rows: the recorded ALTER is
 * applied to the real table at the rename, and source and target end equal row by row.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { ddlDecisionCommand } from '../../src/main/cli/commands/ddlDecision'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  connectSource,
  everyTarget,
  openScratchDatabase,
  sourceServer,
  targetServerOf,
  uniqueName,
  type TargetKind,
} from '../harness/servers'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

const rows = 1500
const chunk = 400
/** Ids the workloads insert, never taken twice in a run. */
let nextId = 100_000
/** Source sessions the tools' SQL runs on, destroyed at the end even when a step failed (a held LOCK TABLES). */
const sessions: Connection[] = []
async function session(): Promise<Connection> {
  const c = await connectSource()
  sessions.push(c)
  return c
}

async function createTable(source: Connection, db: string, name = 't'): Promise<void> {
  await source.query(`CREATE TABLE \`${db}\`.${name} (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(20))`)
  await source.query(
    `INSERT INTO \`${db}\`.${name} SELECT seq, seq * 2, CONCAT('n', seq) FROM \`${db}\`.seq_1_to_${rows}`,
  )
}

/** Writes to `t` until stopped: inserts, updates and deletes; `mirror` runs in the same transaction (gh-ost's applier). */
function workload(conn: Connection, db: string, mirror: () => string | null) {
  let stop = false
  let count = 0
  const done = (async () => {
    while (!stop) {
      const op = count % 3
      const id = op === 0 ? nextId++ : 1 + Math.floor(Math.random() * rows)
      const statement =
        op === 0
          ? `INSERT INTO \`${db}\`.t (id, v, note) VALUES (${id}, ${id}, 'w${id}')`
          : op === 1
            ? `UPDATE \`${db}\`.t SET v = v + 1, note = 'u${count}' WHERE id = ${id}`
            : `DELETE FROM \`${db}\`.t WHERE id = ${id}`
      const ghost = mirror()
      await conn.query('BEGIN')
      await conn.query(statement)
      if (ghost) {
        // What gh-ost's binlog applier does with the change: REPLACE the row's current image, or DELETE it.
        const [found] = (await conn.query(`SELECT id, v, note FROM \`${db}\`.t WHERE id = ${id}`)) as unknown as [
          { id: number; v: number; note: string | null }[],
        ]
        const r = found[0]
        if (r) await conn.query(`REPLACE INTO \`${db}\`.${ghost} (id, v, note) VALUES (?, ?, ?)`, [r.id, r.v, r.note])
        else await conn.query(`DELETE FROM \`${db}\`.${ghost} WHERE id = ${id}`)
      }
      await conn.query('COMMIT')
      count++
    }
  })()
  // Seen by stop(), not as an unhandled rejection while the tool's SQL runs.
  done.catch(() => undefined)
  return {
    async stop() {
      stop = true
      await done
      return count
    },
  }
}

async function maxId(source: Connection, db: string): Promise<number> {
  const [[r]] = (await source.query(`SELECT MAX(id) AS m FROM \`${db}\`.t`)) as unknown as [{ m: number }[]]
  return Number(r!.m)
}

/** gh-ost: changelog, ghost LIKE t, ALTER ghost, chunked copy + mirrored changes, sentry and atomic rename. */
async function ghost(source: Connection, db: string, alter: string): Promise<void> {
  const q = (sql: string) => source.query(sql.replaceAll('DB', `\`${db}\``))
  await q(
    `CREATE TABLE DB._t_ghc (id BIGINT AUTO_INCREMENT, last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, hint VARCHAR(64) CHARSET ascii NOT NULL, value VARCHAR(4096) CHARSET ascii NOT NULL, PRIMARY KEY (id), UNIQUE KEY hint_uidx (hint)) AUTO_INCREMENT=256`,
  )
  await q(`INSERT INTO DB._t_ghc (id, hint, value) VALUES (2, 'state', 'GhostTableMigrated')`)
  await q(`CREATE TABLE DB._t_gho LIKE DB.t`)
  await q(`ALTER TABLE DB._t_gho ${alter}`)
  const writer = await session()
  let mirroring = false
  const load = workload(writer, db, () => (mirroring ? '_t_gho' : null))
  await new Promise((r) => setTimeout(r, 300))
  mirroring = true
  const last = (await maxId(source, db)) + 1000
  for (let from = 1; from <= last; from += chunk) {
    await q(
      `INSERT IGNORE INTO DB._t_gho (id, v, note) SELECT id, v, note FROM DB.t FORCE INDEX (PRIMARY) WHERE id BETWEEN ${from} AND ${from + chunk - 1} LOCK IN SHARE MODE`,
    )
    await q(
      `INSERT INTO DB._t_ghc (id, hint, value) VALUES (1, 'heartbeat', NOW(6)) ON DUPLICATE KEY UPDATE last_update = NOW(), value = VALUES(value)`,
    )
  }
  await new Promise((r) => setTimeout(r, 300))
  expect(await load.stop()).toBeGreaterThan(10)
  // The atomic cut-over: a sentry table holds the old name while the rename waits behind LOCK TABLES.
  const locker = await session()
  await locker.query(
    `CREATE TABLE \`${db}\`._t_del (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB COMMENT='ghost-cut-over-sentry'`,
  )
  await locker.query(`LOCK TABLES \`${db}\`.t WRITE, \`${db}\`._t_del WRITE`)
  const renamer = await session()
  const rename = renamer.query(`RENAME TABLE \`${db}\`.t TO \`${db}\`._t_del, \`${db}\`._t_gho TO \`${db}\`.t`)
  await new Promise((r) => setTimeout(r, 300))
  await locker.query(`DROP TABLE IF EXISTS \`${db}\`._t_del`)
  await locker.query('UNLOCK TABLES')
  await rename
  await q(`DROP TABLE IF EXISTS DB._t_del`)
  await q(`DROP TABLE IF EXISTS DB._t_ghc`)
}

/** pt-online-schema-change: _t_new LIKE t, ALTER, triggers on t, chunked copy, swap, drop old and triggers. */
async function ptOsc(source: Connection, db: string, alter: string): Promise<void> {
  const q = (sql: string) => source.query(sql.replaceAll('DB', `\`${db}\``))
  await q(`CREATE TABLE DB._t_new LIKE DB.t`)
  await q(`ALTER TABLE DB._t_new ${alter}`)
  const [found] = (await source.query(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, 't'],
  )) as unknown as [{ c: string }[]]
  const cols = found.map((r) => `\`${r.c}\``).join(', ')
  const newCols = found.map((r) => `NEW.\`${r.c}\``).join(', ')
  await q(
    `CREATE TRIGGER DB.pt_osc_t_del AFTER DELETE ON DB.t FOR EACH ROW DELETE IGNORE FROM DB._t_new WHERE DB._t_new.id <=> OLD.id`,
  )
  await q(
    `CREATE TRIGGER DB.pt_osc_t_upd AFTER UPDATE ON DB.t FOR EACH ROW BEGIN DELETE IGNORE FROM DB._t_new WHERE !(OLD.id <=> NEW.id) AND DB._t_new.id <=> OLD.id; REPLACE INTO DB._t_new (${cols}) VALUES (${newCols}); END`,
  )
  await q(
    `CREATE TRIGGER DB.pt_osc_t_ins AFTER INSERT ON DB.t FOR EACH ROW REPLACE INTO DB._t_new (${cols}) VALUES (${newCols})`,
  )
  const writer = await session()
  const load = workload(writer, db, () => null)
  const last = (await maxId(source, db)) + 1000
  for (let from = 1; from <= last; from += chunk) {
    await q(
      `INSERT LOW_PRIORITY IGNORE INTO DB._t_new (${cols}) SELECT ${cols} FROM DB.t FORCE INDEX (PRIMARY) WHERE id >= ${from} AND id <= ${from + chunk - 1} LOCK IN SHARE MODE /*pt-online-schema-change copy nibble*/`,
    )
  }
  await new Promise((r) => setTimeout(r, 300))
  expect(await load.stop()).toBeGreaterThan(10)
  await q(`RENAME TABLE DB.t TO DB._t_old, DB._t_new TO DB.t`)
  await q(`DROP TABLE IF EXISTS DB._t_old`)
  for (const name of ['del', 'upd', 'ins']) await q(`DROP TRIGGER IF EXISTS DB.pt_osc_t_${name}`)
}

async function tableNames(conn: Connection, db: string): Promise<string[]> {
  const [r] = (await conn.query(
    'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1',
    [db],
  )) as unknown as [{ n: string }[]]
  // The job's capability probe of the target may still be there while the incremental stage starts.
  return r.map((x) => x.n).filter((n) => !n.startsWith('_cutover_probe_'))
}

async function shape(conn: Connection, db: string): Promise<{ columns: string[]; indexes: string[] }> {
  const [c] = (await conn.query(
    'SELECT COLUMN_NAME AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, 't'],
  )) as unknown as [{ n: string }[]]
  const [i] = (await conn.query(
    'SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [db, 't'],
  )) as unknown as [{ n: string }[]]
  return { columns: c.map((x) => x.n), indexes: i.map((x) => x.n).sort() }
}

describe.each(everyTarget())('online schema change tools, %s target', (kind: TargetKind) => {
  const dbs: string[] = []
  const connections: Connection[] = []
  let source: Connection
  let target: Connection
  const dir = mkdtempSync(join(tmpdir(), 'cutover-osc-'))

  async function scratch(prefix: string): Promise<string> {
    const db = uniqueName(prefix)
    const opened = await openScratchDatabase(db, kind)
    connections.push(opened.source, opened.target)
    ;({ source, target } = opened)
    dbs.push(db)
    return db
  }

  afterAll(async () => {
    for (const c of sessions.splice(0)) c.destroy()
    for (const db of dbs) {
      await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
      await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    await Promise.all(connections.map((c) => c.end()))
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(['database', 'table'] as const)(
    'gh-ost then pt-osc on t, %s-level job: the ALTERs reach t, no shadow, tables equal',
    async (level) => {
      const db = await scratch(`osc_${level}`)
      await createTable(source, db)
      const job = runJob({
        name: `osc-${kind}-${level}`,
        source: sourceServer(),
        target: targetServerOf(kind),
        type: 'both',
        objects: level === 'database' ? [db] : [`${db}.t`],
        spec: { concurrency: 2, exportMBps: 0 },
      })
      await waitForStage(job.store, job.jobId, 'incremental', job.run)

      await ghost(source, db, 'ADD COLUMN added INT NOT NULL DEFAULT 7, ADD KEY ix_added (added)')
      await source.query(`INSERT INTO \`${db}\`.t (id, v, note, added) VALUES (900001, 1, 'after gh-ost', 8)`)
      await job.caughtUpAfter(Date.now(), 90_000)
      let log = job.logs.join('\n')
      expect(log).toMatch(/REPLICATE_ONLINE_DDL_APPLIED .*gh-ost.*_t_gho.*ADD COLUMN added/s)
      expect(await tableNames(target, db)).toEqual(['t'])
      expect(await shape(target, db)).toEqual({
        columns: ['id', 'v', 'note', 'added'],
        indexes: ['PRIMARY', 'ix_added'],
      })
      await expectSameTables(source, target, db)

      await ptOsc(source, db, `ADD COLUMN label VARCHAR(10) DEFAULT 'x' AFTER v, ADD KEY ix_v (v)`)
      await source.query(`UPDATE \`${db}\`.t SET label = 'after' WHERE id = 900001`)
      await job.caughtUpAfter(Date.now(), 90_000)
      job.run.pause()
      expect(await job.run.done).toBe('paused')
      log = job.logs.join('\n')
      expect(log).toMatch(/REPLICATE_ONLINE_DDL_APPLIED .*pt-online-schema-change.*_t_new.*ADD COLUMN label/s)
      expect(await tableNames(target, db)).toEqual(['t'])
      expect(await shape(target, db)).toEqual({
        columns: ['id', 'v', 'label', 'note', 'added'],
        indexes: ['PRIMARY', 'ix_added', 'ix_v'],
      })
      await expectSameTables(source, target, db)
    },
    240_000,
  )

  // The child transpiles the engine with jiti first; on a loaded 2-core machine that alone takes many seconds.
  it("a job killed (SIGKILL) between the shadow's ALTER and the cut-over still applies the ALTER", async () => {
    const db = await scratch('osc_kill')
    await createTable(source, db)
    const input = {
      name: `osc-kill-${kind}`,
      source: sourceServer(),
      target: targetServerOf(kind),
      type: 'both' as const,
      objects: [`${db}.t`],
      spec: { concurrency: 2, exportMBps: 0 },
    }
    const storePath = join(dir, `kill-${kind}.db`)
    const store = openJobStore(storePath)
    const jobId = store.createJob(jobConfigSchema.parse(input)).id
    store.close()
    const child = spawn(
      process.execPath,
      [join('node_modules', '.bin', 'jiti'), join('tests', 'replicate', 'jobProcess.ts'), storePath, jobId],
      { env: { ...process.env, CUTOVER_TEST_CONFIG: JSON.stringify(input) }, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const lines = createInterface({ input: child.stdout! })
    const seen = (pattern: RegExp, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the child never logged ${what}`)), 150_000)
        const onLine = (line: string) => {
          if (line.includes('"outcome"')) reject(new Error(`child ended: ${line}`))
          if (pattern.test(line)) {
            clearTimeout(timer)
            lines.off('line', onLine)
            resolve()
          }
        }
        lines.on('line', onLine)
      })
    const started = seen(/REPLICATE_STARTED/, 'the start of replication')
    await started
    const recorded = seen(/REPLICATE_ONLINE_DDL_RECORDED.*ADD COLUMN k/, 'the recorded ALTER')
    await source.query(`CREATE TABLE \`${db}\`._t_gho LIKE \`${db}\`.t`)
    await source.query(`ALTER TABLE \`${db}\`._t_gho ADD COLUMN k INT NOT NULL DEFAULT 3`)
    await recorded
    await source.query(`UPDATE \`${db}\`.t SET v = v + 1 WHERE id <= 50`)
    await new Promise((r) => setTimeout(r, 1000))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))

    await source.query(`INSERT INTO \`${db}\`._t_gho (id, v, note) SELECT id, v, note FROM \`${db}\`.t`)
    await source.query(`RENAME TABLE \`${db}\`.t TO \`${db}\`._t_del, \`${db}\`._t_gho TO \`${db}\`.t`)
    await source.query(`DROP TABLE \`${db}\`._t_del`)
    await source.query(`UPDATE \`${db}\`.t SET k = id WHERE id <= 20`)
    const reopened = openJobStore(storePath)
    expect(reopened.getJob(jobId)?.status).toBe('running')
    const again = runJob(input, {}, storePath, { store: reopened, jobId })
    await again.caughtUpAfter(Date.now(), 90_000)
    again.run.pause()
    expect(await again.run.done).toBe('paused')
    const log = again.logs.join('\n')
    // Resumed past the shadow's ALTER: the cut-over's statements come from the saved history, not a re-read.
    expect(log).not.toMatch(/REPLICATE_ONLINE_DDL_RECORDED/)
    expect(log).toMatch(/REPLICATE_ONLINE_DDL_APPLIED .*ADD COLUMN k/)
    expect((await shape(target, db)).columns).toEqual(['id', 'v', 'note', 'k'])
    await expectSameTables(source, target, db)
    reopened.close()
  }, 240_000)

  it('a job started while a gh-ost shadow exists: the copy skips it, the rename stops with choices', async () => {
    const db = await scratch('osc_before')
    await createTable(source, db)
    await source.query(`CREATE TABLE \`${db}\`._t_gho LIKE \`${db}\`.t`)
    await source.query(`ALTER TABLE \`${db}\`._t_gho ADD COLUMN late INT`)
    await source.query(`INSERT INTO \`${db}\`._t_gho (id, v, note) SELECT id, v, note FROM \`${db}\`.t`)
    // A second table whose shadow has the table's own schema: its rename changes nothing.
    await createTable(source, db, 'same')
    await source.query(`CREATE TABLE \`${db}\`._same_gho LIKE \`${db}\`.same`)
    await source.query(`INSERT INTO \`${db}\`._same_gho SELECT * FROM \`${db}\`.same`)
    const store = join(dir, `before-${kind}.db`)
    const config = {
      name: `osc-before-${kind}`,
      source: sourceServer(),
      target: targetServerOf(kind),
      type: 'both' as const,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    }
    const first = runJob(config, {}, store)
    await waitForStage(first.store, first.jobId, 'incremental', first.run)
    expect(first.logs.join('\n')).toMatch(/SCHEMA_ONLINE_DDL_TABLE_SKIPPED .*_t_gho/)
    expect(await tableNames(target, db)).toEqual(['same', 't'])

    await source.query(`RENAME TABLE \`${db}\`.same TO \`${db}\`._same_del, \`${db}\`._same_gho TO \`${db}\`.same`)
    await source.query(`DROP TABLE \`${db}\`._same_del`)
    await source.query(`RENAME TABLE \`${db}\`.t TO \`${db}\`._t_del, \`${db}\`._t_gho TO \`${db}\`.t`)
    await source.query(`DROP TABLE \`${db}\`._t_del`)
    await source.query(`UPDATE \`${db}\`.t SET late = id WHERE id <= 10`)
    expect(await first.run.done).toBe('failed')
    const error = first.store.getJob(first.jobId)!.lastError!
    expect(error.code).toBe('REPLICATE_ONLINE_DDL_UNKNOWN')
    expect(error.message).toMatch(/RENAME TABLE .*_t_gho/)
    expect(error.workaround).toMatch(/replace-ddl/)
    expect(first.logs.join('\n')).toMatch(/REPLICATE_ONLINE_DDL_APPLIED .*_same_gho.*changes nothing/s)

    const out: string[] = []
    const err: string[] = []
    const code = ddlDecisionCommand(
      'replace',
      config.name,
      { store, sql: [`ALTER TABLE \`${db}\`.t ADD COLUMN late INT`] },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    )
    expect(code, err.join('')).toBe(0)
    const second = first.restart()
    await second.caughtUpAfter(Date.now(), 90_000)
    second.run.pause()
    expect(await second.run.done).toBe('paused')
    expect(await tableNames(target, db)).toEqual(['same', 't'])
    await expectSameTables(source, target, db)
  }, 180_000)
})
