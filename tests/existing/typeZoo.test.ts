/**
 * Every MySQL/MariaDB column type with its edge values must arrive bit-identical, in both modes: the source
 * and target tables are compared row by row over their stored bytes, and by CHECKSUM TABLE.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { JobMode } from '../../src/shared/domain/job'
import { startJob, type RunnerHost } from '../../src/main/engine/jobRunner'
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
import { recordingHost } from './jobRun'
import { fillZoo, zooDdl } from '../harness/typeZoo'

async function fillKeyVariety(c: Connection, db: string): Promise<void> {
  await c.query(
    `CREATE TABLE \`${db}\`.composite (region VARCHAR(20) NOT NULL, n INT NOT NULL, note VARCHAR(40), PRIMARY KEY (region, n), KEY by_note (note), KEY by_n_note (n, note(10))) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci`,
  )
  const regions = ['Ärhus', 'zürich', 'ZÜRICH-2', 'αθήνα', '東京', 'berlin', 'Oslo']
  const rows = regions.flatMap((r, i) => Array.from({ length: 400 }, (_, n) => `('${r}', ${n}, 'note ${i}-${n}')`))
  await c.query(`INSERT INTO \`${db}\`.composite VALUES ${rows.join(',')}`)
  await c.query(
    `CREATE TABLE \`${db}\`.unique_only (code VARBINARY(16) NOT NULL, v INT, UNIQUE KEY (code)) DEFAULT CHARSET=utf8mb4`,
  )
  await c.query(
    `INSERT INTO \`${db}\`.unique_only VALUES ${Array.from({ length: 2000 }, (_, n) => `(UNHEX('${((n * 2654435761) % 2 ** 32).toString(16).padStart(8, '0')}ff'), ${n})`).join(',')}`,
  )
  await c.query(`CREATE TABLE \`${db}\`.no_key (a INT, b VARCHAR(10)) DEFAULT CHARSET=utf8mb4`)
  await c.query(`INSERT INTO \`${db}\`.no_key VALUES (1,'a'),(1,'a'),(2,NULL),(NULL,NULL)`)
  await c.query(`CREATE VIEW \`${db}\`.zoo_view AS SELECT id, vc FROM \`${db}\`.zoo WHERE id < 10`)
  await c.query(`CREATE TRIGGER \`${db}\`.zoo_trigger BEFORE INSERT ON \`${db}\`.zoo FOR EACH ROW SET NEW.ti = NEW.ti`)
}

function hooksFor(store: ReturnType<typeof openJobStore>, logs: string[]): RunnerHost {
  return recordingHost(store, { log: (e) => logs.push(`${e.level} ${e.code ?? ''} ${e.message}`) })
}

const cases = everyTarget().flatMap((kind) => (['logical', 'physical'] as JobMode[]).map((mode) => ({ kind, mode })))

describe.each(cases)('existing data, $mode mode into $kind', ({ kind, mode }) => {
  const db = uniqueName(`zoo_${kind}_${mode}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, kind))
    await source.query(zooDdl(db))
    await fillZoo(source, db)
    await fillKeyVariety(source, db)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('copies every type bit-identically, with schema, views and chunk checkpoints', async () => {
    const store = openJobStore(':memory:')
    const config = jobConfigSchema.parse({
      name: `zoo-${kind}-${mode}`,
      source: { ...sourceServer() },
      target: { ...targetServerOf(kind) },
      type: 'existing',
      mode,
      objects: [db],
      spec: { concurrency: 3, exportMBps: 0 },
    })
    const job = store.createJob(config)
    const logs: string[] = []
    const outcome = await startJob(job, config, hooksFor(store, logs), { targetChunkBytes: 64 * 1024 }).done
    expect(outcome, logs.join('\n')).toBe('finished')
    expect(store.getJob(job.id)).toMatchObject({ status: 'finished', stage: 'existing' })

    for (const table of ['zoo', 'composite', 'unique_only', 'no_key']) {
      const diff = await compareTable(source, target, db, table)
      expect(diff.firstDifference, table).toBeNull()
      expect(diff.targetRows, table).toBe(diff.sourceRows)
      expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
    }
    const chunks = store.listChunks(job.id)
    expect(chunks.filter((c) => c.table === `${db}.zoo`).length).toBeGreaterThan(3)
    expect(chunks.filter((c) => c.table === `${db}.composite`).length).toBeGreaterThan(2)
    expect(chunks.every((c) => c.state === 'done')).toBe(true)
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(3005 + 2800 + 2000 + 4)

    const [views] = (await target.query(`SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`, [
      db,
    ])) as unknown as [{ TABLE_NAME: string }[]]
    expect(views.map((v) => v.TABLE_NAME)).toEqual(['zoo_view'])
    const [triggers] = (await target.query(
      `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
      [db],
    )) as unknown as [unknown[]]
    expect(triggers).toEqual([])
    expect(logs.join('\n')).toMatch(/trigger .*zoo_trigger is not migrated/)
    expect(logs.join('\n')).toMatch(/no_key has no primary key/)
    expect(store.getPosition(job.id, 'snapshot')).toMatchObject({ file: expect.stringMatching(/binlog\.\d+/) })

    // Secondary indexes arrive in both modes: built after the data on MariaDB (the job creates the table), written
    // with the rows on TiDB (deferIndexes 'auto').
    const indexes = async (c: Connection) => {
      const [rows] = (await c.query(
        `SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'composite' ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
        [db],
      )) as unknown as [Record<string, unknown>[]]
      // Compared as text, sorted here: the engines type these columns and collate index names differently.
      return rows
        .map((r) =>
          Object.values(r)
            .map((v) => (v === null ? 'NULL' : String(v)))
            .join(' '),
        )
        .sort()
    }
    expect(await indexes(target)).toEqual(await indexes(source))
    expect((await indexes(target)).length).toBe(5)
    if (kind === 'tidb') {
      expect(logs.join('\n')).not.toMatch(/SCHEMA_INDEXES_DEFERRED|LOAD_INDEXES_BUILT/)
    } else {
      expect(logs.join('\n')).toMatch(
        /SCHEMA_INDEXES_DEFERRED Secondary indexes of .*composite are built after its data/,
      )
      expect(logs.join('\n')).toMatch(/LOAD_INDEXES_BUILT Built the secondary indexes of .*composite/)
    }
    expect(store.listDeferredIndexes(job.id)).toEqual([])
  })
})
