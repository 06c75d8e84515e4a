/**
 * The precheck items that exist for a TiDB target, run against the real one (tidb-server on unistore), each
 * beside what that TiDB does with the object in question: CHECK constraints it drops while
 * tidb_enable_check_constraint is OFF, TIME fractions it cuts at ±838:59:59, FULLTEXT indexes it ignores.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probeFulltext } from '../../src/main/engine/connect/tidbFeatures'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import type { JobConfig } from '../../src/shared/domain/job'
import { connectSource, connectTarget, createUser, sourceServer, targetServerOf, tidbVersion, uniqueName } from '../harness/servers'
import { item, jobFor } from './fixtures'

type Rows = RowDataPacket[]

describe('precheck against a TiDB target', () => {
  const db = uniqueName('pc_tidb')
  let source: Connection
  let tidb: Connection
  const users: string[] = []

  beforeAll(async () => {
    source = await connectSource()
    tidb = await connectTarget(undefined, 'tidb')
    await source.query(`
      CREATE DATABASE \`${db}\`;
      USE \`${db}\`;
      CREATE TABLE plain (id INT PRIMARY KEY, note VARCHAR(20));
      CREATE TABLE checked (id INT PRIMARY KEY, a INT, b INT CHECK (b < 10), doc JSON, CONSTRAINT a_pos CHECK (a > 0));
      CREATE TABLE json_only (id INT PRIMARY KEY, doc JSON);
      CREATE TABLE times (id INT PRIMARY KEY, t6 TIME(6), t3 TIME(3), t0 TIME, KEY (t3));
      INSERT INTO times VALUES (1, '838:59:59.999999', '-838:59:59.500', '838:59:59'), (2, '-838:59:59.000001', '1:00', '-838:59:59'),
                               (3, '838:59:59', '-838:59:59', '0:00'), (4, '838:59:58.999999', NULL, NULL), (5, NULL, '838:59:59', '1:00');
      CREATE TABLE times_ok (id INT PRIMARY KEY, t6 TIME(6));
      INSERT INTO times_ok VALUES (1, '838:59:59'), (2, '-838:59:59'), (3, '12:34:56.789');
      CREATE TABLE posts (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY body_ft (body)) ENGINE=InnoDB;
      CREATE TABLE places (id INT PRIMARY KEY, pos POINT NOT NULL, SPATIAL INDEX (pos));
      CREATE TABLE Orders (id INT PRIMARY KEY);
      CREATE TABLE orders (id INT PRIMARY KEY);
      CREATE TABLE audited (id INT PRIMARY KEY, changed INT NOT NULL DEFAULT 0);
      CREATE TRIGGER audited_bu BEFORE UPDATE ON audited FOR EACH ROW SET NEW.changed = OLD.changed + 1;
    `)
  })

  afterAll(async () => {
    for (const u of users) await source?.query('DROP USER IF EXISTS ?@?', [u, '%'])
    await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await tidb?.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await Promise.all([source?.end(), tidb?.end()])
  })

  function job(objects: string[], extra: Partial<JobConfig> = {}, sourceUser?: { user: string; password: string }) {
    const src = { ...sourceServer(), ...(sourceUser ? { user: sourceUser.user, password: sourceUser.password } : {}) }
    return jobFor(src, targetServerOf('tidb'), { objects: objects.map((o) => `${db}.${o}`), ...extra })
  }

  /** The shared TiDB's global setting, restored afterwards: other suites use the same server. */
  async function withCheckConstraints<T>(value: 'ON' | 'OFF', use: () => Promise<T>): Promise<T> {
    const [[before]] = (await tidb.query('SELECT @@GLOBAL.tidb_enable_check_constraint AS v')) as [Rows, unknown]
    await tidb.query(`SET GLOBAL tidb_enable_check_constraint = ${value}`)
    try {
      return await use()
    } finally {
      await tidb.query(`SET GLOBAL tidb_enable_check_constraint = ${Number(before?.v) === 1 ? 'ON' : 'OFF'}`)
    }
  }

  async function probeTables(): Promise<string[]> {
    const [rows] = (await tidb.query("SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS n FROM information_schema.TABLES WHERE TABLE_NAME LIKE '\\_cutover\\_probe\\_%'")) as [Rows, unknown]
    return rows.map((r) => String(r.n))
  }

  it('passes every TiDB-only item for a plain table, and names the TiDB target', async () => {
    const report = await runPrecheck(job(['plain']))
    for (const id of ['tidb_unsupported_objects', 'check_constraints', 'time_range', 'table_name_case', 'version']) {
      expect(item(report, id), id).toMatchObject({ status: 'pass' })
    }
    expect(item(report, 'version').message).toContain('Target: TiDB')
    expect(item(report, 'time_range').message).toBe('No TIME columns with fractional seconds.')
    expect(report.target?.flavor).toBe('tidb')
  })

  describe('CHECK constraints', () => {
    it('this TiDB drops them while tidb_enable_check_constraint is OFF, and keeps and enforces them when ON', async () => {
      const scratch = uniqueName('pc_tidb_chk')
      await tidb.query(`CREATE DATABASE \`${scratch}\``)
      try {
        const showCreate = async (t: string) => String(((await tidb.query(`SHOW CREATE TABLE \`${scratch}\`.${t}`)) as [Rows, unknown])[0][0]!['Create Table'])
        await withCheckConstraints('OFF', async () => {
          await tidb.query(`CREATE TABLE \`${scratch}\`.off (id INT PRIMARY KEY, a INT, CONSTRAINT a_pos CHECK (a > 0))`)
          const [warnings] = (await tidb.query('SHOW WARNINGS')) as [Rows, unknown]
          expect(warnings).toEqual([expect.objectContaining({ Code: 1105, Message: 'tidb_enable_check_constraint is off' })])
        })
        expect(await showCreate('off')).not.toContain('CHECK')
        await tidb.query(`INSERT INTO \`${scratch}\`.off VALUES (1, -1)`)
        await withCheckConstraints('ON', async () => {
          // Switching it ON does not bring back a constraint dropped at CREATE TABLE.
          expect(await showCreate('off')).not.toContain('CHECK')
          await tidb.query(`CREATE TABLE \`${scratch}\`.\`on\` (id INT PRIMARY KEY, a INT, CONSTRAINT a_pos CHECK (a > 0))`)
          expect(await showCreate('`on`')).toContain('CONSTRAINT `a_pos` CHECK ((`a` > 0))')
          await expect(tidb.query(`INSERT INTO \`${scratch}\`.\`on\` VALUES (1, -1)`)).rejects.toMatchObject({ errno: 3819 })
        })
      } finally {
        await tidb.query(`DROP DATABASE IF EXISTS \`${scratch}\``)
      }
    })

    it('warns while the target has the variable OFF, naming each user constraint but not the JSON column checks', async () => {
      const report = await withCheckConstraints('OFF', () => runPrecheck(job(['checked', 'json_only'])))
      const checks = item(report, 'check_constraints')
      expect(checks.status).toBe('warning')
      expect(checks.message).toContain(`2 CHECK constraints on 1 table: ${db}.checked`)
      expect(checks.message).toContain('a_pos (`a` > 0)')
      expect(checks.message).toContain('b (`b` < 10)')
      expect(checks.message).not.toContain('json_valid(`doc`)')
      expect(checks.message).toContain('tidb_enable_check_constraint = OFF')
      expect(checks.message).toContain("MariaDB's automatic json_valid checks of 2 JSON columns are not counted")
      expect(checks.fix.split('\n')[0]).toMatch(/^SET GLOBAL tidb_enable_check_constraint = ON;/)
    })

    it('passes a table whose only check is the automatic one of a JSON column', async () => {
      const report = await withCheckConstraints('OFF', () => runPrecheck(job(['json_only'])))
      expect(item(report, 'check_constraints')).toMatchObject({ status: 'pass', message: expect.stringContaining('No CHECK constraints') })
    })

    it('passes once the target has tidb_enable_check_constraint = ON', async () => {
      const report = await withCheckConstraints('ON', () => runPrecheck(job(['checked'])))
      expect(item(report, 'check_constraints')).toMatchObject({
        status: 'pass',
        message: expect.stringContaining('The target has tidb_enable_check_constraint = ON, so TiDB creates and enforces them.'),
      })
    })
  })

  describe('TIME range', () => {
    it("this TiDB refuses MariaDB's ±838:59:59.xxxxxx in strict mode and clips it to ±838:59:59.000000 in the job's session", async () => {
      const scratch = uniqueName('pc_tidb_time')
      await tidb.query(`CREATE DATABASE \`${scratch}\`; CREATE TABLE \`${scratch}\`.t (id INT PRIMARY KEY, t6 TIME(6))`)
      try {
        await tidb.query("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
        await expect(tidb.query(`INSERT INTO \`${scratch}\`.t VALUES (1, '838:59:59.999999')`)).rejects.toMatchObject({ errno: 1292 })
        // The loader's sql_mode (jobRunner.ts): not strict, so the value is cut with only a warning.
        await tidb.query("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'")
        await tidb.query(`INSERT INTO \`${scratch}\`.t VALUES (1, '838:59:59.999999'), (2, '-838:59:59.5')`)
        const [warnings] = (await tidb.query('SHOW WARNINGS')) as [Rows, unknown]
        expect(warnings.map((w) => w.Code)).toEqual([1292, 1292])
        const [rows] = (await tidb.query(`SELECT id, CAST(t6 AS CHAR) AS v FROM \`${scratch}\`.t ORDER BY id`)) as [Rows, unknown]
        expect(rows).toEqual([{ id: 1, v: '838:59:59.000000' }, { id: 2, v: '-838:59:59.000000' }])
      } finally {
        await tidb.query(`DROP DATABASE IF EXISTS \`${scratch}\``)
        await tidb.query('SET SESSION sql_mode = DEFAULT')
      }
    })

    it('fails naming table, column and row count, through the index where there is one and one scan otherwise', async () => {
      const report = await runPrecheck(job(['times', 'times_ok', 'plain']))
      const range = item(report, 'time_range')
      expect(range.status).toBe('failed')
      expect(range.message).toContain(`${db}.times.t6 (2 rows)`)
      expect(range.message).toContain(`${db}.times.t3 (1 row)`)
      expect(range.message).not.toContain('times.t0')
      expect(range.message).toContain('Checked 3 fractional TIME columns: 1 column through an index, 2 tables read in full (8 rows).')
      expect(range.fix).toContain(
        `UPDATE \`${db}\`.\`times\` SET \`t6\` = IF(\`t6\` > 0, '838:59:59', '-838:59:59') WHERE (\`t6\` > '838:59:59' OR \`t6\` < '-838:59:59');`,
      )
    })

    it('the fix leaves values TiDB can hold: the check passes on a copy after it', async () => {
      const report = await runPrecheck(job(['times']))
      const copy = uniqueName('pc_tidb_times')
      await source.query(`CREATE DATABASE \`${copy}\`; CREATE TABLE \`${copy}\`.times LIKE \`${db}\`.times; INSERT INTO \`${copy}\`.times SELECT * FROM \`${db}\`.times`)
      try {
        const fixes = item(report, 'time_range').fix.split('\n').filter((l) => l.startsWith('UPDATE'))
        for (const statement of fixes) await source.query(statement.replaceAll(`\`${db}\``, `\`${copy}\``))
        const after = await runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: [`${copy}.times`] }))
        expect(item(after, 'time_range')).toMatchObject({ status: 'pass' })
      } finally {
        await source.query(`DROP DATABASE IF EXISTS \`${copy}\``)
      }
    })

    it('passes in-range fractional values and only warns for a job that copies no existing rows', async () => {
      const ok = await runPrecheck(job(['times_ok']))
      expect(item(ok, 'time_range')).toMatchObject({ status: 'pass', message: expect.stringContaining('1 table read in full (3 rows)') })
      const incremental = await runPrecheck(job(['times'], { type: 'incremental' }))
      expect(item(incremental, 'time_range')).toMatchObject({ status: 'warning', message: expect.stringContaining('rows like these written from now on') })
    })
  })

  describe('FULLTEXT', () => {
    it('the probe finds that this TiDB drops FULLTEXT (warning 1214) and that a MariaDB target keeps it, leaving nothing behind', async () => {
      // The job's database does not exist on the target yet: the probe creates it and drops it again.
      const onTidb = await probeFulltext((sql, params) => tidb.query(sql, params).then(([rows]) => rows as never), [db])
      expect(onTidb).toMatchObject({ fulltext: 'dropped', evidence: expect.stringContaining('warning 1214') })
      const [schemas] = (await tidb.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])) as [Rows, unknown]
      expect(schemas).toEqual([])

      const mariadbTarget = await connectTarget(undefined, 'mariadb')
      try {
        const onMariadb = await probeFulltext((sql, params) => mariadbTarget.query(sql, params).then(([rows]) => rows as never), [db])
        expect(onMariadb.fulltext).toBe('kept')
        const [left] = (await mariadbTarget.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])) as [Rows, unknown]
        expect(left).toEqual([])
      } finally {
        await mariadbTarget.end()
      }
    })

    it(`warns that FULLTEXT indexes are dropped on ${tidbVersion()}, from the probe, and drops its probe table in an existing database`, async () => {
      await tidb.query(`CREATE DATABASE \`${db}\``)
      try {
        const report = await runPrecheck(job(['posts']))
        const unsupported = item(report, 'tidb_unsupported_objects')
        expect(unsupported.status).toBe('warning')
        expect(unsupported.message).toContain('FULLTEXT indexes are dropped: a probe table on the target was created without its FULLTEXT index (TiDB ignores FULLTEXT with warning 1214)')
        expect(unsupported.message).toContain(`${db}.posts index body_ft`)
        expect(await probeTables()).toEqual([])
        const [left] = (await tidb.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])) as [Rows, unknown]
        expect(left).toHaveLength(1)
      } finally {
        await tidb.query(`DROP DATABASE IF EXISTS \`${db}\``)
      }
    })
  })

  describe('triggers', () => {
    it('warns that triggers could not be read by a source user without TRIGGER, with the grant; lists them once granted', async () => {
      const name = uniqueName('pc_notrig')
      users.push(name)
      const created = await createUser(sourceServer(), { user: name, grants: [`SELECT, LOCK TABLES ON \`${db}\`.*`] })
      const blind = await runPrecheck(job(['audited'], { type: 'existing' }, created))
      const unsupported = item(blind, 'tidb_unsupported_objects')
      expect(unsupported.status).toBe('warning')
      expect(unsupported.message).toContain(`Triggers could not be read in ${db}: '${name}'@'%' has no TRIGGER privilege there`)
      expect(unsupported.message).not.toContain('audited_bu')
      expect(unsupported.fix).toContain(`GRANT TRIGGER ON \`${db}\`.* TO '${name}'@'%';`)

      await source.query(`GRANT TRIGGER ON \`${db}\`.* TO ?@'%'`, [name])
      const granted = await runPrecheck(job(['audited'], { type: 'existing' }, created))
      const seen = item(granted, 'tidb_unsupported_objects')
      expect(seen).toMatchObject({ status: 'warning', message: expect.stringContaining(`stop firing after cutover: ${db}.audited_bu.`) })
      expect(seen.message).not.toContain('could not be read')
    })
  })

  describe('objects and names TiDB cannot hold', () => {
    it('fails spatial objects and table names that differ only by case', async () => {
      const report = await runPrecheck(job(['places', 'Orders', 'orders']))
      expect(item(report, 'tidb_unsupported_objects')).toMatchObject({ status: 'failed', message: expect.stringContaining(`${db}.places.pos (point)`) })
      const names = item(report, 'table_name_case')
      expect(names.status).toBe('failed')
      expect([`${db}.Orders / ${db}.orders`, `${db}.orders / ${db}.Orders`].some((pair) => names.message.includes(pair))).toBe(true)
    })
  })
})
