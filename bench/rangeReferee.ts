/**
 * The cross-engine referee for tables of any size: tests/harness/tableComparison.ts's compareTable (row by row,
 * over the stored bytes) run over ranges of one column, so neither side holds more than about `rowsPerRange`
 * rows at a time. Each range is a view with the same WHERE on both servers, in a scratch database; the bounds
 * are read once from the source. The ranges also cut the limit method's pre-written files (fullBench.ts).
 */
import type { Connection } from 'mysql2/promise'
import { compareTable } from '../tests/harness/tableComparison'

export interface TableRanges {
  table: string
  /** WHERE conditions that together take every row exactly once. */
  conditions: string[]
}

const q = (name: string) => '`' + name.replace(/`/g, '``') + '`'
const numericTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal'])

/** Ranges of about `rowsPerRange` rows, on the first primary-key column (else the first column). */
export async function splitTable(c: Connection, db: string, table: string, rowsPerRange: number): Promise<TableRanges> {
  const [columns] = (await c.query(
    `SELECT c.COLUMN_NAME AS name, c.DATA_TYPE AS type, c.IS_NULLABLE AS nullable, k.ORDINAL_POSITION AS keyPart
     FROM information_schema.COLUMNS c LEFT JOIN information_schema.KEY_COLUMN_USAGE k
       ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME
      AND k.CONSTRAINT_NAME = 'PRIMARY'
     WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY k.ORDINAL_POSITION IS NULL, k.ORDINAL_POSITION, c.ORDINAL_POSITION`,
    [db, table],
  )) as unknown as [{ name: string; type: string; nullable: string }[]]
  const column = columns[0]!
  const [[count]] = (await c.query(`SELECT COUNT(*) AS n FROM ${q(db)}.${q(table)}`)) as unknown as [{ n: string }[]]
  const every = Math.max(1, rowsPerRange)
  if (Number(count!.n) <= every) return { table, conditions: ['1 = 1'] }
  const [rows] = (await c.query(
    `SELECT v FROM (SELECT ${q(column.name)} AS v, ROW_NUMBER() OVER (ORDER BY ${q(column.name)}) AS n
       FROM ${q(db)}.${q(table)} WHERE ${q(column.name)} IS NOT NULL) x WHERE n % ${every} = 0 ORDER BY n`,
  )) as unknown as [{ v: string | Buffer }[]]
  const literal = (v: string | Buffer) =>
    numericTypes.has(column.type.toLowerCase()) && /^-?\d+(\.\d+)?$/.test(String(v)) ? String(v) : c.escape(v)
  const bounds = [...new Set(rows.map((r) => literal(r.v)))]
  const col = q(column.name)
  const conditions = [
    `${col} < ${bounds[0]}`,
    ...bounds.slice(1).map((b, i) => `${col} >= ${bounds[i]} AND ${col} < ${b}`),
    `${col} >= ${bounds[bounds.length - 1]}`,
  ]
  if (column.nullable === 'YES') conditions.push(`${col} IS NULL`)
  return { table, conditions }
}

/** Compares every range of every table; returns the first difference found, or null when all are equal. */
export async function compareByRanges(
  source: Connection,
  target: Connection,
  db: string,
  tables: TableRanges[],
  scratchDb = `${db}_referee`,
): Promise<{ rows: number; difference: string | null }> {
  let rows = 0
  try {
    for (const c of [source, target]) await c.query(`CREATE DATABASE IF NOT EXISTS ${q(scratchDb)}`)
    for (const t of tables) {
      for (const [i, condition] of t.conditions.entries()) {
        const view = `${t.table}__${i}`
        for (const c of [source, target])
          await c.query(
            `CREATE OR REPLACE VIEW ${q(scratchDb)}.${q(view)} AS SELECT * FROM ${q(db)}.${q(t.table)} WHERE ${condition}`,
          )
        const d = await compareTable(source, target, scratchDb, view)
        rows += d.sourceRows
        if (d.firstDifference !== null || d.sourceRows !== d.targetRows || d.sourceChecksum !== d.targetChecksum) {
          return {
            rows,
            difference: `${db}.${t.table} where ${condition}: ${d.sourceRows} source rows, ${d.targetRows} target rows; ${d.firstDifference ?? 'checksums differ'}`,
          }
        }
      }
    }
  } finally {
    for (const c of [source, target]) await c.query(`DROP DATABASE IF EXISTS ${q(scratchDb)}`)
  }
  return { rows, difference: null }
}
