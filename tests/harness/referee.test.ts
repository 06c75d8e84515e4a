/**
 * The referee itself: it must see every changed value across engines (MariaDB source, TiDB target) and only
 * forgive renderings that differ without a value changing (JSON text, FLOAT/DOUBLE printing, ZEROFILL).
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeScratchDatabase, connectTarget, openScratchDatabase, uniqueName } from './servers'
import { canonicalJson, compareTable } from './tableComparison'

describe('canonicalJson', () => {
  it('ignores member order and whitespace, keeps integers exact and tells values apart', () => {
    expect(canonicalJson('{"b": [1, 2], "a":{"x":null}}')).toBe(canonicalJson('{"a": {"x": null}, "b": [1,2]}'))
    expect(canonicalJson('12345678901234567890')).not.toBe(canonicalJson('12345678901234567891'))
    expect(canonicalJson('1.5')).toBe(canonicalJson('1.50'))
    expect(canonicalJson('"a"')).not.toBe(canonicalJson('"A"'))
    expect(canonicalJson('"\\u00e9"')).toBe(canonicalJson('"é"'))
    expect(canonicalJson('[1,2]')).not.toBe(canonicalJson('[2,1]'))
    expect(() => canonicalJson('{"a":1')).toThrow()
  })
})

describe('compareTable across MariaDB and TiDB', () => {
  const db = uniqueName('referee')
  let source: Connection
  let target: Connection
  const ddl = `CREATE TABLE \`${db}\`.t (
    id INT PRIMARY KEY, z INT(6) ZEROFILL, f FLOAT, d DOUBLE, j JSON, c CHAR(4) CHARACTER SET latin1,
    v VARCHAR(20) CHARACTER SET utf8mb4, b VARBINARY(8), dt DATETIME(6), n DECIMAL(65,30)
  ) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin`
  const row = `(1, 42, 3.14, 0.1, '{"b": 1, "a": [12345678901234567890, 1.5]}', 'é', 'fox 🦊', X'00ff', '2024-02-29 23:59:59.000001', '1.000000000000000000000000000001')`

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    await target.query(`CREATE DATABASE \`${db}\``)
    await source.query(ddl)
    await target.query(ddl)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('finds equal tables equal although the engines render JSON, FLOAT and ZEROFILL differently', async () => {
    await source.query(`INSERT INTO \`${db}\`.t VALUES ${row}`)
    await target.query(`INSERT INTO \`${db}\`.t VALUES ${row}`)
    const diff = await compareTable(source, target, db, 't')
    expect(diff.firstDifference).toBeNull()
    expect(diff.targetChecksum).toBe(diff.sourceChecksum)
    expect(diff.sourceRows).toBe(1)
  })

  it.each([
    ['z', '43'],
    ['f', '3.15'],
    ['d', '0.1000000001'],
    ['j', `'{"b": 1, "a": [12345678901234567891, 1.5]}'`],
    ['c', "'e'"],
    ['v', "'fox 🐺'"],
    ['b', "X'00fe'"],
    ['dt', "'2024-02-29 23:59:59.000002'"],
    ['n', "'1.000000000000000000000000000002'"],
    ['v', 'NULL'],
  ])('sees a changed %s (%s)', async (column, value) => {
    await target.query(`UPDATE \`${db}\`.t SET ${column} = ${value} WHERE id = 1`)
    try {
      const diff = await compareTable(source, target, db, 't')
      expect(diff.firstDifference).not.toBeNull()
      expect(diff.targetChecksum).not.toBe(diff.sourceChecksum)
    } finally {
      await target.query(`DELETE FROM \`${db}\`.t`)
      await target.query(`INSERT INTO \`${db}\`.t VALUES ${row}`)
    }
  })

  it('sees a missing row, an extra duplicate and a missing column', async () => {
    await target.query(`INSERT INTO \`${db}\`.t (id) VALUES (2)`)
    expect((await compareTable(source, target, db, 't')).targetRows).toBe(2)
    await target.query(`DELETE FROM \`${db}\`.t WHERE id = 2`)
    await target.query(`ALTER TABLE \`${db}\`.t DROP COLUMN n`)
    expect((await compareTable(source, target, db, 't')).firstDifference).not.toBeNull()
  })
})

it('connectTarget reaches TiDB by default', async () => {
  const c = await connectTarget()
  try {
    const [rows] = (await c.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]]
    expect(rows[0]!.v).toMatch(process.env.CUTOVER_TEST_TARGET === 'mariadb' ? /MariaDB/ : /TiDB/)
  } finally {
    await c.end()
  }
})
