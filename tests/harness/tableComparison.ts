/**
 * Compares a table on two servers row by row, over the exact stored bytes: results in each column's own
 * charset (character_set_results = binary), every cell as raw bytes, FLOAT widened to DOUBLE (the text
 * protocol prints FLOAT with 6 digits only), and ends with CHECKSUM TABLE on both sides.
 */
import type { Connection } from 'mysql2/promise'

export interface TableDifference {
  table: string
  sourceRows: number
  targetRows: number
  firstDifference: string | null
  sourceChecksum: string | null
  targetChecksum: string | null
}

const q = (name: string) => '`' + name.replace(/`/g, '``') + '`'

async function rawRows(connection: Connection, db: string, table: string): Promise<(Buffer | null)[][]> {
  const [columns] = (await connection.query(
    'SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  )) as unknown as [{ COLUMN_NAME: string; DATA_TYPE: string }[]]
  const select = columns.map((c) => (c.DATA_TYPE === 'float' ? `(${q(c.COLUMN_NAME)} * 1e0)` : q(c.COLUMN_NAME))).join(', ')
  await connection.query('SET SESSION character_set_results = binary')
  try {
    // Ordered by every column, so tables without a key compare as multisets.
    const [rows] = (await connection.query({
      sql: `SELECT ${select} FROM ${q(db)}.${q(table)} ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`,
      rowsAsArray: true,
      typeCast: ((field: { buffer(): Buffer | null }) => field.buffer()) as never,
    })) as unknown as [(Buffer | null)[][]]
    return rows
  } finally {
    await connection.query('SET SESSION character_set_results = utf8mb4')
  }
}

async function checksum(connection: Connection, db: string, table: string): Promise<string | null> {
  const [rows] = (await connection.query(`CHECKSUM TABLE ${q(db)}.${q(table)}`)) as unknown as [{ Checksum: string | null }[]]
  return rows[0]?.Checksum === null || rows[0]?.Checksum === undefined ? null : String(rows[0].Checksum)
}

function show(row: (Buffer | null)[] | undefined): string {
  return row ? `[${row.map((c) => (c === null ? 'NULL' : `0x${c.toString('hex')}`)).join(', ')}]` : '(no row)'
}

export async function compareTable(source: Connection, target: Connection, db: string, table: string): Promise<TableDifference> {
  const [a, b] = await Promise.all([rawRows(source, db, table), rawRows(target, db, table)])
  let firstDifference: string | null = null
  for (let i = 0; i < Math.max(a.length, b.length) && firstDifference === null; i++) {
    const x = a[i]
    const y = b[i]
    const same = x && y && x.length === y.length && x.every((cell, j) => (cell === null ? y[j] === null : y[j] !== null && cell.equals(y[j]!)))
    if (!same) firstDifference = `row ${i}: source ${show(x)} target ${show(y)}`
  }
  return {
    table: `${db}.${table}`,
    sourceRows: a.length,
    targetRows: b.length,
    firstDifference,
    sourceChecksum: await checksum(source, db, table),
    targetChecksum: await checksum(target, db, table),
  }
}
