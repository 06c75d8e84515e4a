/**
 * The writers keep every value as the source has it on a TiDB target (and a MariaDB one), or stop:
 * - dates with a zero month or day, `0000-00-00` and (from a source with ALLOW_INVALID_DATES) days past the month's
 *   end arrive unchanged in both modes; TiDB's LOAD DATA would store them as 0000-00-00, so physical mode writes the
 *   tables that hold them with the logical writer (LOAD_ROUTED_LOGICAL) and the others with LOAD DATA;
 * - a statement the target answers with warnings (here: a pre-created target column narrower than the source's)
 *   stops the job with LOAD_TARGET_WARNINGS, its rows rolled back, instead of finishing with changed values;
 * - a target table pre-created with AUTO_RANDOM takes the source's ids, in both modes and in the incremental stage;
 * - a row over TiDB's txn-entry-size-limit (error 8025, "entry too large") stops the job with LOAD_ENTRY_TOO_LARGE,
 *   whose fix names that limit, not a resume that would fail on the same row.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobMode } from '../../src/shared/domain/job'
import {
  closeScratchDatabase,
  connectSource,
  openScratchDatabase,
  sourceServer,
  targetServerOf,
  uniqueName,
  type TargetKind,
} from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { expectSameTables, runJob } from '../replicate/replicationFixture'

const modes: JobMode[] = ['logical', 'physical']

function existingJob(db: string, kind: TargetKind, mode: JobMode, name: string) {
  return runJob(
    {
      name,
      source: sourceServer(),
      target: targetServerOf(kind),
      type: 'existing',
      mode,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    },
    // Small chunks: each table is several chunks, so a routed table has chunks before and after its first odd date.
    { targetChunkBytes: 8 * 1024 },
  )
}

/** Ordinary rows 1..n, with `special` rows (DATE, DATETIME) at ids n+1… */
function dateRows(n: number, special: [string, string][]): string {
  const ordinary = Array.from(
    { length: n },
    (_, i) => `(${i + 1}, '2024-01-01' + INTERVAL ${i} DAY, '2024-01-01 10:00:00.25' + INTERVAL ${i} HOUR, 'row ${i}')`,
  )
  const odd = special.map(([d, dt], i) => `(${n + 1 + i}, '${d}', '${dt}', 'odd ${i}')`)
  return [...ordinary, ...odd].join(',')
}

describe.each((['tidb', 'mariadb'] as TargetKind[]).flatMap((kind) => modes.map((mode) => ({ kind, mode }))))(
  'zero-in-date and invalid dates into $kind, $mode mode',
  ({ kind, mode }) => {
    const db = uniqueName(`dates_${kind}_${mode}`)
    let source: Connection
    let target: Connection

    beforeAll(async () => {
      ;({ source, target } = await openScratchDatabase(db, kind))
      // The source keeps what an application with this sql_mode wrote: no NO_ZERO_IN_DATE, ALLOW_INVALID_DATES.
      await source.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
      for (const table of ['zero_in_date', 'invalid_dates', 'ordinary_dates']) {
        await source.query(
          `CREATE TABLE \`${db}\`.${table} (id INT PRIMARY KEY, d DATE NULL, dt DATETIME(6) NULL, note VARCHAR(40),
         ts TIMESTAMP NULL DEFAULT NULL)`,
        )
      }
      await source.query(
        `INSERT INTO \`${db}\`.zero_in_date (id, d, dt, note) VALUES ${dateRows(300, [
          ['2020-00-15', '2020-00-15 10:00:00'],
          ['2020-05-00', '2020-05-00 10:00:00.5'],
          ['2020-00-00', '2020-00-00 00:00:00'],
          ['0000-00-00', '0000-00-00 00:00:00'],
          ['0000-00-00', '0000-00-00 10:00:00'],
          ['0000-01-01', '0000-05-00 23:59:59.999999'],
        ])}`,
      )
      await source.query(`UPDATE \`${db}\`.zero_in_date SET ts = '0000-00-00 00:00:00' WHERE id > 300`)
      await source.query(
        `INSERT INTO \`${db}\`.invalid_dates (id, d, dt, note) VALUES ${dateRows(300, [
          ['2020-02-30', '2020-02-30 10:00:00'],
          ['2021-02-29', '2020-04-31 00:00:00.000001'],
          ['0001-02-29', '2020-02-29 12:00:00'],
        ])}`,
      )
      await source.query(`INSERT INTO \`${db}\`.ordinary_dates (id, d, dt, note) VALUES ${dateRows(300, [])}`)
      await source.query(`UPDATE \`${db}\`.ordinary_dates SET ts = dt WHERE id % 3 = 0`)
      const [check] = (await source.query(
        `SELECT CAST(d AS CHAR) AS d, CAST(dt AS CHAR) AS dt FROM \`${db}\`.zero_in_date WHERE id = 301`,
      )) as unknown as [{ d: string; dt: string }[]]
      expect(check[0]).toEqual({ d: '2020-00-15', dt: '2020-00-15 10:00:00.000000' })
    })
    afterAll(async () => {
      await closeScratchDatabase(db, source, target)
    })

    it('copies every date as the source has it', async () => {
      const job = existingJob(db, kind, mode, `dates-${kind}-${mode}`)
      const outcome = await job.run.done
      const log = job.logs.join('\n')
      expect(outcome, log).toBe('finished')
      for (const table of ['zero_in_date', 'invalid_dates', 'ordinary_dates']) {
        const diff = await compareTable(source, target, db, table)
        expect(diff.firstDifference, `${table}\n${log}`).toBeNull()
        expect(diff.targetRows, table).toBe(diff.sourceRows)
        expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
      }
      const routed = job.logs.filter((l) => l.includes('LOAD_ROUTED_LOGICAL'))
      if (kind === 'tidb' && mode === 'physical') {
        // Decided on the first odd value, once per table; the table without any stays with LOAD DATA.
        expect(routed.filter((l) => l.includes(`${db}.zero_in_date holds`))).toHaveLength(1)
        expect(routed.filter((l) => l.includes(`${db}.invalid_dates holds`))).toHaveLength(1)
        expect(routed.some((l) => l.includes('ordinary_dates'))).toBe(false)
      } else {
        expect(routed).toEqual([])
      }
    })
  },
)

describe.each(modes)('a target statement with warnings stops the job, %s mode', (mode) => {
  const db = uniqueName(`warn_${mode}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await source.query(`CREATE TABLE \`${db}\`.narrow (id INT PRIMARY KEY, s VARCHAR(10))`)
    await source.query(
      `INSERT INTO \`${db}\`.narrow VALUES ${Array.from({ length: 50 }, (_, i) => `(${i}, '${i === 17 ? 'abcdefghij' : `v${i}`}')`).join(',')}`,
    )
    // Pre-created by hand, narrower than the source: TiDB would cut 'abcdefghij' to 'abc' with a warning.
    await target.query(`CREATE DATABASE \`${db}\``)
    await target.query(`CREATE TABLE \`${db}\`.narrow (id INT PRIMARY KEY, s VARCHAR(3))`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('fails with LOAD_TARGET_WARNINGS naming the table, chunk and warning, and keeps none of its rows', async () => {
    const job = existingJob(db, 'tidb', mode, `warn-${mode}`)
    const outcome = await job.run.done
    const log = job.logs.join('\n')
    expect(outcome, log).toBe('failed')
    const error = job.store.getJob(job.jobId)?.lastError
    expect(error, log).toMatchObject({
      code: 'LOAD_TARGET_WARNINGS',
      stage: 'existing',
      message: expect.stringMatching(
        new RegExp(`${db}\\.narrow \\(chunk \\d+\\).*${mode === 'physical' ? 'LOAD DATA' : 'INSERT'}.*Warning \\d+ `),
      ),
    })
    expect(error?.workaround).toMatch(/target table/)
    // The failed chunk's rows were rolled back: the cut value is nowhere (other chunks may have committed).
    const [rows] = (await target.query(`SELECT id, s FROM \`${db}\`.narrow WHERE id = 17 OR s = 'abc'`)) as unknown as [
      unknown[],
    ]
    expect(rows).toEqual([])
  })
})

describe("a row over TiDB's txn-entry-size-limit", () => {
  const db = uniqueName('entry_limit')
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await source.query(`CREATE TABLE \`${db}\`.docs (id INT PRIMARY KEY, body LONGBLOB)`)
    // 7 MiB, over TiDB's default limit of 6 MiB and under both servers' max_allowed_packet.
    await source.query(`INSERT INTO \`${db}\`.docs VALUES (1, 'small'), (2, REPEAT('x', 7 * 1024 * 1024))`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('fails with LOAD_ENTRY_TOO_LARGE naming txn-entry-size-limit and the row size, not "resume"', async () => {
    const job = existingJob(db, 'tidb', 'logical', 'entry-limit')
    const outcome = await job.run.done
    const log = job.logs.join('\n')
    expect(outcome, log).toBe('failed')
    const error = job.store.getJob(job.jobId)?.lastError
    expect(error, log).toMatchObject({
      code: 'LOAD_ENTRY_TOO_LARGE',
      stage: 'existing',
      message: expect.stringMatching(new RegExp(`${db}\\.docs .*entry too large.*\\(error 8025\\)`)),
    })
    expect(error?.workaround).toMatch(/txn-entry-size-limit \(6291456 bytes; this row needs 73\d{5}\)/)
    expect(error?.workaround).toMatch(/SET GLOBAL tidb_txn_entry_size_limit = <bytes>;/)
  })
})

describe.each((['tidb', 'mariadb'] as TargetKind[]).flatMap((kind) => modes.map((mode) => ({ kind, mode }))))(
  'two source keys the target holds as equal, into $kind, $mode mode',
  ({ kind, mode }) => {
    const db = uniqueName(`dupkey_${kind}_${mode}`)
    let source: Connection
    let target: Connection

    beforeAll(async () => {
      ;({ source, target } = await openScratchDatabase(db, kind))
      await source.query(`CREATE TABLE \`${db}\`.names (k VARCHAR(20) COLLATE utf8mb4_bin PRIMARY KEY, v INT)`)
      await source.query(
        `INSERT INTO \`${db}\`.names VALUES ${Array.from({ length: 40 }, (_, i) => `('name${i}', ${i})`).join(',')}, ('Name7', 100)`,
      )
      // Pre-created by hand, empty, with a case-insensitive key: 'name7' and 'Name7' are one key there.
      await target.query(`CREATE DATABASE \`${db}\``)
      await target.query(
        `CREATE TABLE \`${db}\`.names (k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)`,
      )
    })
    afterAll(async () => {
      await closeScratchDatabase(db, source, target)
    })

    it('stops with LOAD_DUPLICATE_KEY instead of keeping one of the two rows', async () => {
      const job = existingJob(db, kind, mode, `dupkey-${kind}-${mode}`)
      const outcome = await job.run.done
      const log = job.logs.join('\n')
      expect(outcome, log).toBe('failed')
      const error = job.store.getJob(job.jobId)?.lastError
      expect(error, log).toMatchObject({
        code: 'LOAD_DUPLICATE_KEY',
        stage: 'existing',
        message: expect.stringContaining(`${db}.names`),
      })
      expect(error?.workaround).toMatch(/collation/)
      // A resume meets the same duplicate: the chunks stopped by it are written with plain inserts again, not
      // with a REPLACE that would keep one of the two rows.
      const again = job.restart()
      expect(await again.run.done, again.logs.join('\n')).toBe('failed')
      expect(again.store.getJob(again.jobId)?.lastError?.code).toBe('LOAD_DUPLICATE_KEY')
      const [rows] = (await target.query(`SELECT k FROM \`${db}\`.names WHERE k = 'name7'`)) as unknown as [unknown[]]
      expect(rows.length).toBeLessThanOrEqual(1)
    })
  },
)

describe('a target table pre-created with AUTO_RANDOM', () => {
  const db = uniqueName('autorandom')
  let source: Connection
  let target: Connection

  /** The target database `${db}_${mode}` with its AUTO_RANDOM table, and the source database of the same name. */
  const dbOf = (mode: JobMode | 'both') => `${db}_${mode}`

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(dbOf('logical'), 'tidb'))
    for (const mode of [...modes, 'both'] as const) {
      const name = dbOf(mode)
      if (mode !== 'logical') await source.query(`CREATE DATABASE \`${name}\``)
      await source.query(`CREATE TABLE \`${name}\`.ar (id BIGINT PRIMARY KEY, v INT)`)
      const ids = [...Array.from({ length: 200 }, (_, i) => i + 1), 2 ** 40, 2 ** 58 + 7]
      await source.query(`INSERT INTO \`${name}\`.ar VALUES ${ids.map((id, i) => `(${id}, ${i})`).join(',')}`)
      await target.query(`CREATE DATABASE \`${name}\``)
      await target.query(`CREATE TABLE \`${name}\`.ar (id BIGINT PRIMARY KEY AUTO_RANDOM, v INT)`)
    }
  })
  afterAll(async () => {
    for (const mode of ['physical', 'both'] as const) {
      await source.query(`DROP DATABASE IF EXISTS \`${dbOf(mode)}\``)
      await target.query(`DROP DATABASE IF EXISTS \`${dbOf(mode)}\``)
    }
    await closeScratchDatabase(dbOf('logical'), source, target)
  })

  it.each(modes)('takes the source ids, %s mode', async (mode) => {
    const job = existingJob(dbOf(mode), 'tidb', mode, `autorandom-${mode}`)
    const outcome = await job.run.done
    expect(outcome, job.logs.join('\n')).toBe('finished')
    await expectSameTables(source, target, dbOf(mode), ['ar'])
  })

  it('takes the source ids in the incremental stage of a both job', async () => {
    const name = dbOf('both')
    const job = runJob(
      {
        name: 'autorandom-both',
        source: sourceServer(),
        target: targetServerOf('tidb'),
        type: 'both',
        objects: [name],
        spec: { concurrency: 2, exportMBps: 0 },
      },
      { targetChunkBytes: 8 * 1024 },
    )
    await job.caughtUpAfter(Date.now())
    const writer = await connectSource()
    try {
      await writer.query(`INSERT INTO \`${name}\`.ar VALUES (5000, 1), (${2 ** 50}, 2)`)
      await writer.query(`UPDATE \`${name}\`.ar SET v = v + 100 WHERE id <= 10`)
      await writer.query(`REPLACE INTO \`${name}\`.ar VALUES (3, -3)`)
    } finally {
      await writer.end()
    }
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done, job.logs.join('\n')).toBe('paused')
    await expectSameTables(source, target, name, ['ar'])
  })
})
