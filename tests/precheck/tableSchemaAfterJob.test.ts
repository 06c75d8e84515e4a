/**
 * The table-schema item run again after a job has created the tables on TiDB: what the schema stage itself wrote
 * (integer display widths TiDB drops, collations it maps, MariaDB types it stores as text) is not a difference,
 * while a table changed on the target afterwards (a column gone, another type, another primary key) still is.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrecheck } from '../../src/main/engine/precheck/precheckRunner'
import { runJobToEnd } from '../existing/jobRun'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { item, jobFor } from './fixtures'

describe('table schema of tables Cutover created on TiDB', () => {
  const db = uniqueName('pc_own')
  let source: Connection
  let tidb: Connection

  beforeAll(async () => {
    ;({ source, target: tidb } = await openScratchDatabase(db, 'tidb'))
    await source.query(`
      USE \`${db}\`;
      CREATE TABLE typed (
        id INT(11) NOT NULL PRIMARY KEY,
        small TINYINT(4) NOT NULL DEFAULT 0,
        big BIGINT(20) UNSIGNED,
        flag TINYINT(1),
        name VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
        code VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_general_cs,
        title VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci,
        legacy VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci,
        u UUID,
        ip INET6,
        doc JSON,
        KEY name_idx (name)
      ) DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
      INSERT INTO typed VALUES (1, 2, 3, 1, 'Åsa', 'X', 'title', 'legacy', UUID(), '::1', '{"a":1}');
      CREATE TABLE uca (id INT PRIMARY KEY, note TEXT) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
      CREATE TABLE lacks_col (id INT PRIMARY KEY, a INT, b VARCHAR(10));
      CREATE TABLE other_type (id INT PRIMARY KEY, a INT);
      CREATE TABLE other_key (id INT NOT NULL, a INT NOT NULL, PRIMARY KEY (id));
    `)
    const run = await runJobToEnd({
      name: 'own-tables',
      source: sourceServer(),
      target: targetServerOf('tidb'),
      type: 'existing',
      mode: 'logical',
      objects: [db],
      spec: { concurrency: 2, exportMBps: 0 },
    })
    expect(run.outcome, run.log).toBe('finished')
  })

  afterAll(async () => {
    await closeScratchDatabase(db, source, tidb)
  })

  const precheck = (tables: string[]) =>
    runPrecheck(jobFor(sourceServer(), targetServerOf('tidb'), { objects: tables.map((t) => `${db}.${t}`) }))

  it('passes tables exactly as the schema stage wrote them', async () => {
    const report = await precheck(['typed', 'uca'])
    const tableSchema = item(report, 'table_schema')
    expect(tableSchema.message).not.toContain('differ')
    expect(tableSchema).toMatchObject({ status: 'pass' })
  })

  it('still warns on a table changed on the target since: a column gone, another type, another primary key', async () => {
    await tidb.query(`
      USE \`${db}\`;
      ALTER TABLE lacks_col DROP COLUMN b;
      ALTER TABLE other_type MODIFY a VARCHAR(20);
      DROP TABLE other_key;
      CREATE TABLE other_key (id INT NOT NULL, a INT NOT NULL, PRIMARY KEY (id, a));
      ALTER TABLE uca MODIFY note TEXT COLLATE utf8mb4_bin;
    `)
    const tableSchema = item(await precheck(['typed', 'uca', 'lacks_col', 'other_type', 'other_key']), 'table_schema')
    expect(tableSchema.status).toBe('warning')
    expect(tableSchema.message).toContain('4 tables already on the target differ from the source')
    // A collation the target lacks is named as the source has it, with what Cutover would have written instead.
    expect(tableSchema.message).toContain(
      `${db}.uca (note collation utf8mb4_uca1400_ai_ci (written as utf8mb4_unicode_ci) vs utf8mb4_bin)`,
    )
    expect(tableSchema.message).toContain(`${db}.lacks_col (target lacks column b)`)
    expect(tableSchema.message).toMatch(new RegExp(`${db}\\.other_type \\(a is int(\\(11\\))? vs varchar\\(20\\)\\)`))
    expect(tableSchema.message).toContain(`${db}.other_key (primary key (id) vs (id,a))`)
    expect(tableSchema.message).not.toContain(`${db}.typed`)
  })
})
