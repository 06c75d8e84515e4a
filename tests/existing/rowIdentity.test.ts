/**
 * The precheck and the copy ask one rule whether a table has a row-identity key (vocabulary/rowIdentity.ts): a
 * table the precheck passes as keyed is copied by a key, and one it warns about is the one the copy warns about.
 * MariaDB source, TiDB target.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { item, jobFor } from '../precheck/fixtures'
import { runJobToEnd } from './jobRun'

describe('one row-identity rule for the precheck and the copy', () => {
  const db = uniqueName('row_identity')
  let source: Connection
  let target: Connection
  // Table → whether it has a row identity.
  const tables: Record<string, boolean> = {
    keyed: true,
    not_null_unique: true,
    // Unique over its first 10 characters only: the whole value does not name the row.
    prefix_unique: false,
    nullable_unique: false,
    // MariaDB's generated columns are always nullable.
    generated_unique: false,
    double_key: false,
  }

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await source.query(`
      USE \`${db}\`;
      CREATE TABLE keyed (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
      CREATE TABLE not_null_unique (id INT NOT NULL, name VARCHAR(50) NOT NULL, UNIQUE KEY (name));
      CREATE TABLE prefix_unique (id INT NOT NULL, name VARCHAR(50) NOT NULL, UNIQUE KEY by_name (name(10)));
      CREATE TABLE nullable_unique (id INT NULL, name VARCHAR(50) NOT NULL, UNIQUE KEY (id));
      CREATE TABLE generated_unique (id INT NOT NULL, twice INT AS (id * 2) STORED, UNIQUE KEY (twice));
      CREATE TABLE double_key (score DOUBLE NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);
    `)
    for (const table of Object.keys(tables)) {
      const columns = table === 'generated_unique' ? '(id)' : table === 'double_key' ? '(score, name)' : '(id, name)'
      const rows = [1, 2, 3].map((i) =>
        table === 'generated_unique' ? `(${i})` : `(${i}${table === 'double_key' ? '.5' : ''}, '${i} name')`,
      )
      await source.query(`INSERT INTO \`${db}\`.\`${table}\` ${columns} VALUES ${rows.join(', ')}`)
    }
  })

  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('warns in the precheck about exactly the tables the copy warns DUMP_NO_KEY for, and copies every one equal', async () => {
    const names = Object.keys(tables)
    const report = await runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: [db] }))
    const message = item(report, 'table_schema').message
    // "N tables without a primary key or NOT NULL unique key (db.a, db.b): …"
    const precheck = /without a primary key or NOT NULL unique key \(([^)]*)\)/.exec(message)?.[1] ?? ''
    const run = await runJobToEnd({
      name: 'row-identity',
      source: sourceServer(),
      target: targetServerOf('tidb'),
      type: 'existing',
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    })
    expect(run.outcome).toBe('finished')
    for (const name of names) {
      const keyless = !tables[name]
      expect(precheck.split(', ').includes(`${db}.${name}`), `precheck on ${name}`).toBe(keyless)
      expect(run.log.includes(`${db}.${name} has no primary key or NOT NULL unique key`), `copy on ${name}`).toBe(
        keyless,
      )
      const diff = await compareTable(source, target, db, name)
      expect(diff.firstDifference, name).toBeNull()
      expect(diff.targetRows, name).toBe(3)
    }
  })
})
