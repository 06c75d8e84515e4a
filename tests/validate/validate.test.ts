/**
 * Validation against the real servers: a copied job validates clean over every column type (both modes, TiDB
 * target); rows changed, deleted and added on the target behind the job's back are found exactly, and the repair
 * SQL the validation writes makes the tables equal again (by the referee); a validation while the job replicates
 * a write workload reports no row that was merely in flight.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema, type JobMode } from '../../src/shared/domain/job'
import type { ValidationProgress, ValidationResult } from '../../src/shared/domain/validation'
import { validateCommand } from '../../src/main/cli/commands/validate'
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

/** Beside the zoo: a composite text key, a binary unique key, a latin1 key (case-insensitive on the source, latin1_bin on TiDB) and a table without a key. */
async function fillKeys(c: Connection, db: string): Promise<void> {
  await c.query(
    `CREATE TABLE \`${db}\`.accounts (region VARCHAR(20) NOT NULL, n INT NOT NULL, note VARCHAR(40), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci`,
  )
  const regions = ['Ärhus', 'zürich', 'ZÜRICH-2', 'αθήνα', '東京', 'berlin']
  await c.query(
    `INSERT INTO \`${db}\`.accounts VALUES ${regions.flatMap((r, i) => Array.from({ length: 500 }, (_, n) => `('${r}', ${n}, 'note ${i}-${n}')`)).join(',')}`,
  )
  await c.query(`CREATE TABLE \`${db}\`.codes (code VARBINARY(16) NOT NULL, v INT, UNIQUE KEY (code))`)
  await c.query(
    `INSERT INTO \`${db}\`.codes VALUES ${Array.from({ length: 1500 }, (_, n) => `(UNHEX('${((n * 2654435761) % 2 ** 32).toString(16).padStart(8, '0')}ff'), ${n})`).join(',')}`,
  )
  await c.query(
    `CREATE TABLE \`${db}\`.latin_keys (name VARCHAR(20) CHARACTER SET latin1 NOT NULL PRIMARY KEY, v INT) DEFAULT CHARSET=latin1`,
  )
  await c.query(`INSERT INTO \`${db}\`.latin_keys VALUES ('apple', 1), ('Banana', 2), ('cherry', 3), ('Élan', 4)`)
  await c.query(`CREATE TABLE \`${db}\`.loose (a INT, b VARCHAR(10)) DEFAULT CHARSET=utf8mb4`)
  await c.query(`INSERT INTO \`${db}\`.loose VALUES (1,'a'),(1,'a'),(2,NULL),(NULL,NULL)`)
}

const tables = ['zoo', 'accounts', 'codes', 'latin_keys', 'loose']

function newEngine(dir: string): Engine {
  return createEngine({ store: openJobStore(join(dir, 'cutover.db')), secrets: memoryOnlySecrets })
}

async function copy(engine: Engine, name: string, db: string, mode: JobMode): Promise<string> {
  const job = engine.createJob(
    jobConfigSchema.parse({
      name,
      source: sourceServer(),
      target: targetServer(),
      type: 'existing',
      mode,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    }),
  )
  engine.startJob(job.id, { targetChunkBytes: 64 * 1024 })
  expect(await engine.waitForJob(job.id)).toBe('finished')
  return job.id
}

const tableOf = (result: ValidationResult, db: string, name: string) => {
  const t = result.tables.find((x) => x.table === `${db}.${name}`)
  if (!t) throw new Error(`no result for ${name}: ${JSON.stringify(result)}`)
  return t
}

describe.each(['logical', 'physical'] as JobMode[])('validation of a %s copy', (mode) => {
  const db = uniqueName(`val_${mode}`)
  const dir = mkdtempSync(join(tmpdir(), 'cutover-validate-'))
  let source: Connection
  let target: Connection
  let engine: Engine
  let jobId: string

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(zooDdl(db))
    await fillZoo(source, db)
    await fillKeys(source, db)
    engine = newEngine(dir)
    jobId = await copy(engine, `val-${mode}`, db, mode)
  }, 240_000)
  afterAll(async () => {
    engine?.close()
    await closeScratchDatabase(db, source, target)
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds every table equal, with the collation rewrites explained', async () => {
    const progress: ValidationProgress[] = []
    const off = engine.events.subscribe((channel, payload) => {
      if (channel === 'validation:progress') progress.push(payload as ValidationProgress)
    })
    // Small chunks and leaves, so the zoo spans many ranges.
    const result = await engine.validateJob(jobId, {}, {}, { chunkRows: 500, leafRows: 64 })
    off()
    expect(result.error).toBeNull()
    expect(result.tables.map((t) => [t.table, t.status]).sort()).toEqual(
      tables.map((t) => [`${db}.${t}`, 'equal']).sort(),
    )
    expect(result.status).toBe('equal')
    expect(result.repairSqlPath).toBeNull()
    expect(tableOf(result, db, 'zoo')).toMatchObject({ method: 'chunks', sourceRows: 3005, targetRows: 3005 })
    expect(tableOf(result, db, 'zoo').chunks).toBeGreaterThan(3)
    expect(tableOf(result, db, 'accounts').chunks).toBeGreaterThan(2)
    expect(tableOf(result, db, 'zoo').notes.join('\n')).toMatch(
      /Column lat is latin1_swedish_ci on the source and latin1_bin on the target.*not a difference.*letter case/,
    )
    expect(tableOf(result, db, 'zoo').notes.join('\n')).toMatch(/Generated columns are not compared.*gv, gs/)
    expect(tableOf(result, db, 'latin_keys')).toMatchObject({ method: 'whole', status: 'equal' })
    expect(tableOf(result, db, 'loose')).toMatchObject({ method: 'whole', status: 'equal', sourceRows: 4 })
    expect(result.rowsCompared).toBe(3005 + 3000 + 1500 + 4 + 4)
    expect(progress.at(-1)).toMatchObject({ tablesDone: 5, tablesTotal: 5, differences: 0 })
    expect(engine.lastValidation(jobId)).toEqual(result)
  })

  it.runIf(mode === 'logical')('stops when cancelled, stored as cancelled', async () => {
    const validationId = `cancel-${mode}`
    const off = engine.events.subscribe((channel, payload) => {
      if (channel === 'validation:progress' && (payload as ValidationProgress).chunksDone > 0)
        engine.cancelValidation(validationId)
    })
    const result = await engine.validateJob(jobId, { validationId }, {}, { chunkRows: 50 })
    off()
    expect(result).toMatchObject({ status: 'cancelled', error: { code: 'VALIDATE_CANCELLED' } })
    expect(result.tables.length).toBeLessThan(tables.length)
    expect(engine.lastValidation(jobId)).toMatchObject({ id: validationId, status: 'cancelled' })
    expect(engine.cancelValidation(validationId)).toEqual({ cancelled: false })
  })

  it('finds rows changed, deleted and added on the target exactly, and its repair SQL makes the tables equal', async () => {
    const t = (name: string) => `\`${db}\`.\`${name}\``
    await target.query("SET SESSION time_zone = '+00:00'")
    await target.query(`UPDATE ${t('zoo')} SET j = '{"a": 2}' WHERE id = 1`)
    await target.query(`UPDATE ${t('zoo')} SET f = 0.5 WHERE id = 2`)
    await target.query(`UPDATE ${t('zoo')} SET lat = 'Ü' WHERE id = 3`)
    await target.query(`UPDATE ${t('zoo')} SET vc = 'changed' WHERE id = 1003`)
    await target.query(`UPDATE ${t('zoo')} SET d = NULL WHERE id = 1010`)
    await target.query(`UPDATE ${t('zoo')} SET bl = x'00' WHERE id = 4`)
    await target.query(`DELETE FROM ${t('zoo')} WHERE id IN (1500, 2999)`)
    await target.query(`INSERT INTO ${t('zoo')} (id, vc) VALUES (99999, 'stray')`)
    await target.query(`DELETE FROM ${t('accounts')} WHERE region = 'αθήνα' AND n = 7`)
    await target.query(`UPDATE ${t('accounts')} SET note = 'NOTE 0-1' WHERE region = 'Ärhus' AND n = 1`)
    await target.query(`INSERT INTO ${t('accounts')} VALUES ('zz', 1, 'stray')`)
    await target.query(`UPDATE ${t('codes')} SET v = -1 WHERE v = 700`)
    await target.query(`INSERT INTO ${t('loose')} VALUES (1, 'a')`)

    const repairSql = join(dir, `repair-${mode}.sql`)
    const out: string[] = []
    const err: string[] = []
    const io = {
      out: (s: string) => void out.push(s),
      err: (s: string) => void err.push(s),
      interactive: false,
      tty: false,
      env: {
        CUTOVER_SOURCE_PASSWORD: sourceServer().password ?? '',
        CUTOVER_TARGET_PASSWORD: targetServer().password ?? '',
      },
      onInterrupt: () => () => undefined,
    }
    const name = `val-${mode}`
    const code = await validateCommand(name, { store: join(dir, 'cutover.db'), json: true, repairSql }, io)
    expect(code, err.join('')).toBe(1)
    const result = JSON.parse(out.at(-1)!) as ValidationResult & { type: string }
    expect(result.status).toBe('different')
    expect(result.repairSqlPath).toBe(repairSql)

    const zoo = tableOf(result, db, 'zoo')
    expect(zoo).toMatchObject({ status: 'different', missing: 2, extra: 1, different: 6 })
    const byKey = Object.fromEntries(zoo.differences.map((d) => [d.key['id'], [d.kind, d.columns]]))
    expect(byKey).toEqual({
      '1': ['different', ['j']],
      '2': ['different', ['f']],
      '3': ['different', ['lat']],
      '4': ['different', ['bl']],
      '1003': ['different', ['vc']],
      '1010': ['different', ['d']],
      '1500': ['missing', []],
      '2999': ['missing', []],
      '99999': ['extra', []],
    })
    const accounts = tableOf(result, db, 'accounts')
    expect(accounts).toMatchObject({ status: 'different', missing: 1, extra: 1, different: 1 })
    expect(accounts.differences.map((d) => `${d.kind} ${d.key['region']}/${d.key['n']}`).sort()).toEqual([
      'different Ärhus/1',
      'extra zz/1',
      'missing αθήνα/7',
    ])
    expect(tableOf(result, db, 'codes')).toMatchObject({ status: 'different', missing: 0, extra: 0, different: 1 })
    expect(tableOf(result, db, 'latin_keys').status).toBe('equal')
    const loose = tableOf(result, db, 'loose')
    expect(loose).toMatchObject({ status: 'different', sourceRows: 4, targetRows: 5, differences: [] })
    expect(loose.notes.join('\n')).toMatch(/no primary key or NOT NULL unique key: it is compared as a whole/)
    expect(loose.notes.join('\n')).toMatch(/source 4 rows, target 5\); the differing rows cannot be located/)

    // The repair SQL, run as a DBA would, statement by statement on the target.
    const sql = readFileSync(repairSql, 'utf8')
    expect(sql).toMatch(/^-- Repair SQL of job val-/)
    expect(sql).toContain(`DELETE FROM \`${db}\`.\`zoo\` WHERE \`id\` = 99999;`)
    for (const statement of sql.split('\n').filter((l) => l && !l.startsWith('--'))) await target.query(statement)
    await target.query(`DELETE FROM ${t('loose')} WHERE a = 1 LIMIT 1`)
    for (const table of tables) {
      const diff = await compareTable(source, target, db, table)
      expect(diff.firstDifference, table).toBeNull()
      expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
    }
    out.length = 0
    expect(await validateCommand(name, { store: join(dir, 'cutover.db') }, io), err.join('')).toBe(0)
    expect(out.join('')).toMatch(/5 of 5 tables equal/)
  })
})

describe('the CLI', () => {
  it('exits 2 when the job does not exist or has not copied its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-validate-'))
    const err: string[] = []
    const io = {
      out: () => undefined,
      err: (s: string) => void err.push(s),
      interactive: false,
      tty: false,
      env: {},
      onInterrupt: () => () => undefined,
    }
    expect(await validateCommand('nope', { store: join(dir, 'cutover.db') }, io)).toBe(2)
    expect(err.join('')).toMatch(/There is no job "nope"/)
    const engine = newEngine(dir)
    engine.createJob(jobConfigSchema.parse({ name: 'fresh', source: sourceServer(), target: targetServer() }))
    engine.close()
    err.length = 0
    expect(await validateCommand('fresh', { store: join(dir, 'cutover.db') }, io)).toBe(2)
    expect(err.join('')).toMatch(/has not copied its existing data yet/)
    rmSync(dir, { recursive: true, force: true })
  })
})

/** Small transactions over the keyed tables, as fast as the source takes them. */
function writeLoad(c: Connection, db: string, until: () => boolean): Promise<number> {
  return writeTransactions(c, until, {
    keys: 4000,
    seed: 7,
    operations: [
      ...hotTable.operations(c, db, 'x'),
      ({ rand, transaction }) =>
        c.query(`UPDATE \`${db}\`.pairs SET note = ? WHERE region = ? AND n = ?`, [
          `t${transaction}`,
          `r${rand(4)}`,
          rand(500),
        ]),
    ],
  })
}

describe('validation while the job replicates a write workload', () => {
  const db = uniqueName('val_live')
  const dir = mkdtempSync(join(tmpdir(), 'cutover-validate-'))
  let source: Connection
  let target: Connection
  let writer: Connection
  let engine: Engine

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    writer = await connectSource()
    await hotTable.create(source, db, 3000)
    await source.query(
      `CREATE TABLE \`${db}\`.pairs (region VARCHAR(10) NOT NULL, n INT NOT NULL, note VARCHAR(40), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.pairs VALUES ${Array.from({ length: 2000 }, (_, i) => `('r${i % 4}', ${Math.floor(i / 4)}, 'c${i}')`).join(',')}`,
    )
    engine = newEngine(dir)
  })
  afterAll(async () => {
    engine?.close()
    await closeScratchDatabase(db, source, target, writer)
    rmSync(dir, { recursive: true, force: true })
  })

  it('reports no difference for rows in flight, re-checking after the applier caught up', async () => {
    const job = engine.createJob(
      jobConfigSchema.parse({
        name: 'val-live',
        source: sourceServer(),
        target: targetServer(),
        type: 'both',
        objects: [db],
        spec: { concurrency: 2, exportMBps: 0 },
      }),
    )
    engine.startJob(job.id, { heartbeatSeconds: 0.5 })
    const deadline = Date.now() + 120_000
    while (engine.getJob(job.id).stage !== 'incremental') {
      if (Date.now() > deadline || engine.getJob(job.id).status === 'failed')
        throw new Error(JSON.stringify(engine.getJob(job.id)))
      await new Promise((r) => setTimeout(r, 200))
    }
    let stop = false
    const load = writeLoad(writer, db, () => stop)
    try {
      await new Promise((r) => setTimeout(r, 1000))
      const result = await engine.validateJob(job.id, {}, {}, { chunkRows: 300, leafRows: 64 })
      expect(result.whileReplicating).toBe(true)
      expect(result.tables.map((t) => [t.table, t.status, t.missing + t.extra + t.different])).toEqual([
        [`${db}.hot`, 'equal', 0],
        [`${db}.pairs`, 'equal', 0],
      ])
      expect(result.status).toBe('equal')
      // The workload changed chunks between the two sides' reads: they were re-checked, not reported.
      expect(result.tables.reduce((n, t) => n + t.rechecks, 0)).toBeGreaterThan(0)
    } finally {
      stop = true
      expect(await load).toBeGreaterThan(20)
    }
    // A difference made behind the job's back is still found while it replicates.
    await target.query(`UPDATE \`${db}\`.pairs SET note = 'behind' WHERE region = 'r1' AND n = 3`)
    const found = await engine.validateJob(job.id, { tables: [`${db}.pairs`] }, {}, { chunkRows: 300, leafRows: 64 })
    expect(found.tables[0]).toMatchObject({ status: 'different', different: 1, missing: 0, extra: 0 })
    expect(found.tables[0]!.differences[0]).toMatchObject({ key: { region: 'r1', n: '3' }, columns: ['note'] })
    await engine.pauseJob(job.id)
  }, 240_000)
})
