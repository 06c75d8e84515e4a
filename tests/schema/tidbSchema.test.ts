/**
 * What the schema stage makes of MariaDB tables on the real targets: foreign keys whose child sorts before the
 * parent, defaults TiDB refuses under its own sql_mode, MariaDB-only types, engines and sequences. Each case runs a
 * whole job (or the precheck) and compares source and target with the referee, row by row.
 */
import { precheckFixText } from '../../src/shared/domain/fixWording'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import type { JobMode } from '../../src/shared/domain/job'
import { runJobToEnd } from '../existing/jobRun'
import {
  closeScratchDatabase,
  openScratchDatabase,
  sourceServer,
  targetServerOf,
  uniqueName,
  type TargetKind,
} from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { item, jobFor } from '../precheck/fixtures'

type Rows = RowDataPacket[]

async function select<T>(c: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = (await c.query(sql, params)) as [Rows, unknown]
  return rows as T[]
}

async function expectEqual(source: Connection, target: Connection, db: string, tables: string[]): Promise<void> {
  for (const table of tables) {
    const diff = await compareTable(source, target, db, table)
    expect(diff.firstDifference, table).toBeNull()
    expect(diff.targetRows, table).toBe(diff.sourceRows)
    expect(diff.sourceRows, table).toBeGreaterThan(0)
    expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
  }
}

function job(
  db: string,
  kind: TargetKind,
  extra: { mode?: JobMode; type?: 'existing' | 'both'; objects?: string[] } = {},
) {
  return {
    name: `schema-${kind}`,
    source: sourceServer(),
    target: targetServerOf(kind),
    type: extra.type ?? 'existing',
    mode: extra.mode ?? 'logical',
    objects: extra.objects ?? [db],
    spec: { concurrency: 2, exportMBps: 0 },
  }
}

describe.each<TargetKind>(['tidb', 'mariadb'])('foreign keys on a %s target', (kind) => {
  const db = uniqueName(`fk_${kind}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, kind))
    await source.query(`
      CREATE TABLE \`${db}\`.z_parent (id INT PRIMARY KEY, name VARCHAR(20));
      CREATE TABLE \`${db}\`.a_child (id INT PRIMARY KEY, parent_id INT NOT NULL,
        CONSTRAINT a_child_parent FOREIGN KEY (parent_id) REFERENCES z_parent (id) ON DELETE CASCADE);
      INSERT INTO \`${db}\`.z_parent VALUES (1, 'one'), (2, 'two');
      INSERT INTO \`${db}\`.a_child VALUES (10, 1), (11, 1), (12, 2);
    `)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('creates a child table that sorts before its parent, with its foreign key', async () => {
    const run = await runJobToEnd(job(db, kind))
    expect(run.outcome, run.log).toBe('finished')
    await expectEqual(source, target, db, ['a_child', 'z_parent'])
    const fks = await select<{ n: string; t: string }>(
      target,
      `SELECT CONSTRAINT_NAME AS n, REFERENCED_TABLE_NAME AS t FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'a_child' AND REFERENCED_TABLE_NAME IS NOT NULL`,
      [db],
    )
    expect(fks).toEqual([{ n: 'a_child_parent', t: 'z_parent' }])
    // And it holds: the session that made it turned the checks off for itself only.
    await expect(target.query(`INSERT INTO \`${db}\`.a_child VALUES (13, 99)`)).rejects.toMatchObject({ errno: 1452 })
  })
})

describe('defaults TiDB refuses under its default sql_mode', () => {
  const db = uniqueName('defaults')
  let source: Connection
  let tidb: Connection

  beforeAll(async () => {
    ;({ source, target: tidb } = await openScratchDatabase(db, 'tidb'))
    await source.query(`
      CREATE TABLE \`${db}\`.defaults (
        id INT PRIMARY KEY,
        t TEXT DEFAULT '',
        tn TEXT NOT NULL DEFAULT '',
        b BLOB DEFAULT '',
        j JSON DEFAULT '{}',
        a TEXT DEFAULT '[]',
        ts TIMESTAMP NOT NULL DEFAULT '0000-00-00 00:00:00',
        dt DATETIME DEFAULT '0000-00-00 00:00:00',
        day DATE DEFAULT current_timestamp(),
        u CHAR(36) DEFAULT uuid(),
        n DATETIME(3) DEFAULT current_timestamp(3),
        r DOUBLE DEFAULT rand()
      ) DEFAULT CHARSET=utf8mb4;
      INSERT INTO \`${db}\`.defaults (id) VALUES (1);
      INSERT INTO \`${db}\`.defaults VALUES (2, 'x', 'y', 'z', '{"a": 1}', '[1]', '2020-01-02 03:04:05', '2020-01-02 03:04:05', '2020-01-02', 'u', '2020-01-02 03:04:05.678', 0.5);
      CREATE TABLE \`${db}\`.refused (id INT PRIMARY KEY, e INT DEFAULT (id + 1), t TEXT DEFAULT 'none', c VARCHAR(10) DEFAULT concat('a', 'b'));
      INSERT INTO \`${db}\`.refused (id) VALUES (1);
    `)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, tidb)
  })

  it('creates them as the source has them (rewriting what TiDB spells differently) and copies every row', async () => {
    const run = await runJobToEnd(job(db, 'tidb', { objects: [`${db}.defaults`] }))
    expect(run.outcome, run.log).toBe('finished')
    await expectEqual(source, tidb, db, ['defaults'])
    expect(run.log).toMatch(/Schema rewrite on .*defaults\.j: DEFAULT '\{\}' → DEFAULT \(json_object\(\)\)/)
    expect(run.log).toMatch(/Schema rewrite on .*defaults\.a: DEFAULT '\[\]' → DEFAULT \(json_array\(\)\)/)
    expect(run.log).toMatch(
      /Schema rewrite on .*defaults\.day: DEFAULT current_timestamp\(\) → DEFAULT \(CURRENT_DATE\)/,
    )
    expect(run.log).toMatch(/Schema rewrite on .*defaults\.tn: DEFAULT '' → \(implicit ''\)/)

    // The defaults act alike: a row that names only its key gets the same values on both sides.
    const defaultsOf = async (c: Connection) => {
      await c.query(`INSERT INTO \`${db}\`.defaults (id) VALUES (3)`)
      // As text: the engines type the computed columns differently (TiDB sends these integers as strings).
      const rows = await select<Record<string, unknown>>(
        c,
        `SELECT HEX(t) AS t, HEX(tn) AS tn, HEX(b) AS b, CONCAT('', j) AS j, a, CAST(ts AS CHAR) AS ts, CAST(dt AS CHAR) AS dt,
                day = CURRENT_DATE AS today, LENGTH(u) AS ulen, n IS NOT NULL AS hasN, r IS NOT NULL AS hasR
           FROM \`${db}\`.defaults WHERE id = 3`,
      )
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])))
    }
    const expected = await defaultsOf(source)
    expect(expected).toEqual([
      {
        t: '',
        tn: '',
        b: '',
        j: '{}',
        a: '[]',
        ts: '0000-00-00 00:00:00',
        dt: '0000-00-00 00:00:00',
        today: '1',
        ulen: '36',
        hasN: '1',
        hasR: '1',
      },
    ])
    expect(await defaultsOf(tidb)).toEqual(expected)
  })

  it('fails the precheck for the defaults TiDB cannot hold, naming table, column and fix', async () => {
    const report = await runPrecheck(
      jobFor(sourceServer(), targetServerOf('tidb'), { objects: [`${db}.refused`], type: 'existing' }),
    )
    const defaults = item(report, 'tidb_column_defaults')
    expect(defaults.status).toBe('failed')
    expect(defaults.message).toContain(`${db}.refused.e DEFAULT (\`id\` + 1): TiDB cannot parse`)
    expect(defaults.message).toContain(`${db}.refused.t DEFAULT 'none': TiDB refuses the literal default`)
    expect(defaults.message).toContain(`${db}.refused.c DEFAULT concat('a','b'): TiDB does not allow CONCAT()`)
    expect(defaults.fix).toContain(`ALTER TABLE \`${db}\`.\`refused\` ALTER COLUMN \`e\` DROP DEFAULT`)

    const fine = await runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: [`${db}.defaults`] }))
    expect(item(fine, 'tidb_column_defaults')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`${db}.defaults.j`),
    })
    // A MariaDB target takes them all: the item is not asked there.
    const mariadb = await runPrecheck(jobFor(sourceServer(), targetServerOf('mariadb'), { objects: [`${db}.refused`] }))
    expect(mariadb.items.map((i) => i.id)).not.toContain('tidb_column_defaults')

    // The job says the same in its own words, not TiDB's syntax error.
    const run = await runJobToEnd(job(db, 'tidb', { objects: [`${db}.refused`] }))
    expect(run.outcome).toBe('failed')
    expect(run.store.getJob(run.job.id)?.lastError).toMatchObject({ code: 'SCHEMA_UNSUPPORTED_DEFAULT' })
  })
})

describe.each<JobMode>(['logical', 'physical'])('MariaDB-only types, Aria and sequences into TiDB, %s mode', (mode) => {
  const db = uniqueName(`mtypes_${mode}`)
  let source: Connection
  let tidb: Connection

  beforeAll(async () => {
    ;({ source, target: tidb } = await openScratchDatabase(db, 'tidb'))
    await source.query(`
      CREATE TABLE \`${db}\`.addr (id INT PRIMARY KEY, u UUID, i4 INET4, i6 INET6, UNIQUE KEY (u), KEY (i6))
        ENGINE=Aria DEFAULT CHARSET=latin1 PAGE_CHECKSUM=1;
      INSERT INTO \`${db}\`.addr VALUES
        (1, 'ABCDEF01-2345-6789-abcd-ef0123456789', '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
        (2, '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::ffff:255.255.255.255'),
        (3, '12345678123456781234567812345678', '10.0.0.10', '1:2:3:4:5:6:1.2.3.4'),
        (4, NULL, NULL, NULL), (5, uuid(), '192.168.0.1', '::1'), (6, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '1.2.3.4', '::');
      CREATE SEQUENCE \`${db}\`.seq START WITH 100 INCREMENT BY 5 MINVALUE 10 MAXVALUE 100000 CACHE 10 CYCLE;
      CREATE TABLE \`${db}\`.ticket (id BIGINT PRIMARY KEY DEFAULT nextval(\`${db}\`.seq), note VARCHAR(10));
      INSERT INTO \`${db}\`.ticket (note) VALUES ('a'), ('b'), ('c');
    `)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, tidb)
  })

  it('copies UUID, INET4 and INET6 values as the same text, Aria as InnoDB, and the sequence at its next value', async () => {
    const run = await runJobToEnd(job(db, 'tidb', { mode }))
    expect(run.outcome, run.log).toBe('finished')
    await expectEqual(source, tidb, db, ['addr', 'ticket'])
    const columns = await select<{ c: string; t: string }>(
      tidb,
      `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'addr' ORDER BY ORDINAL_POSITION`,
      [db],
    )
    expect(columns).toEqual([
      { c: 'id', t: 'int' },
      { c: 'u', t: 'char(36)' },
      { c: 'i4', t: 'varchar(15)' },
      { c: 'i6', t: 'varchar(39)' },
    ])
    // Compared without case, as MariaDB compares a UUID.
    expect(
      await select(tidb, `SELECT id FROM \`${db}\`.addr WHERE u = 'abcdef01-2345-6789-ABCD-EF0123456789'`),
    ).toEqual([{ id: 1 }])
    expect(run.log).toMatch(/MARIADB_TYPE_AS_TEXT|Schema rewrite on .*addr\.u: uuid → char\(36\)/)
    expect(run.log).toMatch(/Schema rewrite on .*addr: ENGINE=Aria → ENGINE=InnoDB/)

    // The target's sequence hands out what the source's would next, with the same increment.
    const [state] = await select<{ next: number | string }>(
      source,
      `SELECT next_not_cached_value AS next FROM \`${db}\`.seq`,
    )
    const draw = async (c: Connection) =>
      Number((await select<{ v: unknown }>(c, `SELECT NEXTVAL(\`${db}\`.seq) AS v`))[0]!.v)
    const first = await draw(tidb)
    expect(first).toBe(Number(state!.next))
    expect(await draw(tidb)).toBe(first + 5)
    const [options] = await select<Record<string, unknown>>(
      tidb,
      `SELECT CYCLE AS cy, INCREMENT AS inc, MIN_VALUE AS mn, MAX_VALUE AS mx, CACHE_VALUE AS cache
         FROM information_schema.SEQUENCES WHERE SEQUENCE_SCHEMA = ? AND SEQUENCE_NAME = 'seq'`,
      [db],
    )
    expect(Object.fromEntries(Object.entries(options!).map(([k, v]) => [k, Number(v)]))).toEqual({
      cy: 1,
      inc: 5,
      mn: 10,
      mx: 100000,
      cache: 10,
    })
    // The table default that calls it works there too.
    await tidb.query(`INSERT INTO \`${db}\`.ticket (note) VALUES ('d')`)
    const [ticket] = await select<{ id: unknown }>(tidb, `SELECT id FROM \`${db}\`.ticket WHERE note = 'd'`)
    expect(Number(ticket!.id)).toBe(first + 10)
  })

  it.runIf(mode === 'logical')(
    'says so in the precheck, and fails jobs that would meet a sequence in the binlog',
    async () => {
      const existing = await runPrecheck(
        jobFor(sourceServer(), targetServerOf('tidb'), { objects: [db], type: 'existing' }),
      )
      const objects = item(existing, 'mariadb_only_objects')
      expect(objects.status).toBe('warning')
      expect(objects.message).toContain(`${db}.addr.u uuid → char(36)`)
      expect(objects.message).toContain(`${db}.addr.i6 inet6 → varchar(39)`)
      expect(objects.message).toContain(`${db}.addr (Aria)`)
      expect(objects.message).toContain(`${db}.seq`)
      const both = await runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: [db], type: 'both' }))
      const sequence = item(both, 'mariadb_only_objects')
      expect(sequence).toMatchObject({
        status: 'failed',
        message: expect.stringContaining(`(${db}.seq): every NEXTVAL`),
        fix: expect.stringContaining('CREATE SEQUENCE'),
      })
      // Each surface names its own place for the choice: the job file on the CLI, the wizard step in the app.
      expect(precheckFixText(sequence, 'cli')).toContain(
        'then correct objects: in the job file (select the tables one by one instead of the database',
      )
      expect(precheckFixText(sequence, 'app')).toContain('in step 3, Objects')
      expect(precheckFixText(sequence, 'app')).toContain('“Existing data only” in step 2, Job type')
      // Listing the tables leaves the sequence out of the job, and so out of the verdict.
      const listed = await runPrecheck(
        jobFor(sourceServer(), targetServerOf('tidb'), { objects: [`${db}.addr`, `${db}.ticket`], type: 'both' }),
      )
      expect(item(listed, 'mariadb_only_objects').status).toBe('warning')
    },
  )
})
