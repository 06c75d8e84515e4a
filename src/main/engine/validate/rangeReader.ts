/**
 * What validation reads from one side for one key range: its digest (server aggregates plus the fold of the
 * `client` columns), a key that splits it in two, and its rows one by one. Memory stays bounded: digests stream,
 * and rows are read only for ranges of at most a few hundred rows.
 */
import { createHash } from 'node:crypto'
import type { Connection as CallbackConnection } from 'mysql2'
import type { SqlSession } from '../connect/session'
import { chunkCondition } from '../dump/chunkPlanner'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import { bindKeyValues } from '../dump/keyBounds'
import type { Chunk, KeyInfo, KeyValue } from '../dump/types'
import type { TableRef } from '../vocabulary/tableRef'
import { normalCell } from './cellValues'
import type { DigestColumn } from './columnDigest'
import { digestSelect, rowFingerprintSelect } from './columnDigest'

/** One table as one side reads it. */
export interface SideTable {
  session: SqlSession
  table: TableRef
  key: KeyInfo | null
  /** Per key column, the collation its range bounds are compared under on this side (null: its own). */
  keyCollations: (string | null)[]
  columns: DigestColumn[]
  /** The key columns' digest entries, in key order. */
  keyColumns: DigestColumn[]
}

export interface RangeDigest {
  rows: number
  /** Server aggregates and client fold, as one comparable text. */
  sum: string
}

export interface RangeRow {
  /** The key rendered exactly (what rows are matched by on both sides). */
  key: string
  /** The key cells as read by `DigestColumn.read`: for display and repair statements. */
  keyCells: (Buffer | null)[]
  /** One fingerprint per digest column (null for NULL). */
  cells: (string | null)[]
}

export type Range = Pick<Chunk, 'lower' | 'upper'>

function callbackConnection(session: SqlSession): CallbackConnection {
  return (session.raw as unknown as { connection: CallbackConnection }).connection
}

const asBuffers = ((field: { buffer(): Buffer | null }) => field.buffer()) as never

function where(side: SideTable, range: Range): { sql: string; params: unknown[] } {
  const bound: Chunk = side.key
    ? {
        index: 0,
        lower: bindKeyValues(range.lower, side.key) as KeyValue[] | null,
        upper: bindKeyValues(range.upper, side.key) as KeyValue[] | null,
      }
    : { index: 0, lower: null, upper: null }
  const { where: condition, params } = chunkCondition(side.table, side.key, bound, side.keyCollations)
  return { sql: condition ? ` WHERE ${condition}` : '', params }
}

function keyOrder(side: SideTable): string {
  return side
    .key!.columns.map((c, i) => {
      const collation = side.keyCollations[i]
      return collation ? `${quoteIdentifier(c.name)} COLLATE ${collation}` : quoteIdentifier(c.name)
    })
    .join(', ')
}

/** Rows as arrays of raw cells (the server's text-protocol bytes), formatted client-side as query() would. */
async function rawRows(session: SqlSession, sql: string, params: unknown[]): Promise<(Buffer | null)[][]> {
  const [rows] = (await session.raw.query({
    sql,
    values: params,
    rowsAsArray: true,
    typeCast: asBuffers,
  })) as unknown as [(Buffer | null)[][]]
  return rows
}

/** Streams rows as raw cells to `onRow`, synchronously per row, so memory stays flat over any range size. */
function streamRows(session: SqlSession, sql: string, params: unknown[], onRow: (row: (Buffer | null)[]) => void) {
  return new Promise<void>((resolve, reject) => {
    callbackConnection(session)
      .query({ sql, values: params, rowsAsArray: true, typeCast: asBuffers })
      .on('result', (row) => onRow(row as unknown as (Buffer | null)[]))
      .on('error', reject)
      .on('end', () => resolve())
  })
}

/** The key of a row as matched across sides: its exact renderings, length-prefixed. */
function keyText(cells: (Buffer | null)[]): string {
  return cells.map((c) => (c === null ? '\u0000' : `${c.length}:${c.toString('latin1')}`)).join('|')
}

export async function digestRange(side: SideTable, range: Range): Promise<RangeDigest> {
  const w = where(side, range)
  const from = `FROM ${quoteTable(side.table)}${w.sql}`
  const [aggregate] = await rawRows(side.session, `SELECT ${digestSelect(side.columns)} ${from}`, w.params)
  const [n, s] = (aggregate ?? []).map((c) => (c === null ? '0' : c.toString('latin1')))
  const client = side.columns.filter((c) => c.place === 'client')
  if (client.length === 0) return { rows: Number(n), sum: `${s}` }
  // The client columns are folded with the key, so that a value moved to another row still counts as a change.
  let xor = 0n
  let sum = 0n
  const select = [...side.keyColumns.map((c) => c.expression), ...client.map((c) => c.expression)].join(', ')
  const keys = side.keyColumns.length
  await streamRows(side.session, `SELECT ${select} ${from}`, w.params, (row) => {
    let text = ''
    for (let i = 0; i < row.length; i++) {
      const value = normalCell(row[i] ?? null, i < keys ? 'binary' : client[i - keys]!.kind)
      text += value === null ? '\u0000N' : `\u0001${value.length}:${value}`
    }
    // MD5 as a fast, well-spread fold of one row (not for security); 64 + 48 of its bits go into the sums.
    const digest = createHash('md5').update(text).digest()
    xor ^= digest.readBigUInt64BE(0)
    sum += BigInt(digest.readUIntBE(8, 6))
  })
  return { rows: Number(n), sum: `${s}:${xor}:${sum}` }
}

/** The key that ends the first half of the range's rows on this side (null when it has fewer than two rows). */
export async function splitKey(side: SideTable, range: Range, rows: number): Promise<KeyValue[] | null> {
  if (!side.key || rows < 2) return null
  const w = where(side, range)
  const columns = side.key.columns.map((c) => quoteIdentifier(c.name)).join(', ')
  const offset = Math.floor((rows - 1) / 2)
  const found = await side.session.query<Record<string, unknown>>(
    `SELECT ${columns} FROM ${quoteTable(side.table)}${w.sql} ORDER BY ${keyOrder(side)} LIMIT 1 OFFSET ${offset}`,
    w.params,
  )
  const row = found[0]
  return row ? side.key.columns.map((c) => row[c.name] as KeyValue) : null
}

/** Every row of a small range, with a fingerprint per column. */
export async function readRows(side: SideTable, range: Range): Promise<Map<string, RangeRow>> {
  const w = where(side, range)
  return new Map((await rowsWhere(side, w.sql, w.params)).map(({ row }) => [row.key, row]))
}

/**
 * The row each condition selects (conditions built from a row's unique key: at most one row each), by the
 * condition's index, with a fingerprint per column; undefined where a condition selects none.
 */
export async function readRowsByCondition(
  side: SideTable,
  conditions: readonly string[],
): Promise<(RangeRow | undefined)[]> {
  const out: (RangeRow | undefined)[] = new Array(conditions.length)
  if (conditions.length === 0) return out
  const which = `CASE ${conditions.map((c, i) => `WHEN ${c} THEN ${i}`).join(' ')} END`
  const where = ` WHERE ${conditions.map((c) => `(${c})`).join(' OR ')}`
  for (const { lead, row } of await rowsWhere(side, where, [], which)) {
    const i = Number(lead)
    if (Number.isInteger(i) && out[i] === undefined) out[i] = row
  }
  return out
}

async function rowsWhere(
  side: SideTable,
  whereSql: string,
  params: unknown[],
  leadExpression?: string,
): Promise<{ lead: string | null; row: RangeRow }[]> {
  const keys = side.keyColumns
  const lead = leadExpression ? 1 : 0
  const select = [
    ...(leadExpression ? [leadExpression] : []),
    ...keys.map((c) => c.expression),
    ...keys.map((c) => c.read),
    ...rowFingerprintSelect(side.columns),
  ].join(', ')
  const rows = await rawRows(side.session, `SELECT ${select} FROM ${quoteTable(side.table)}${whereSql}`, params)
  return rows.map((raw) => {
    const row = raw.slice(lead)
    const cells = row.slice(2 * keys.length).map((cell, i) => {
      const column = side.columns[i]!
      return column.place === 'server'
        ? cell === null
          ? null
          : cell.toString('latin1')
        : normalCell(cell, column.kind)
    })
    const key = keyText(row.slice(0, keys.length))
    return {
      lead: lead ? (raw[0]?.toString('latin1') ?? null) : null,
      row: { key, keyCells: row.slice(keys.length, 2 * keys.length), cells },
    }
  })
}

/** The rows of these keys, every digest column as `DigestColumn.read` reads it (for REPLACE statements). */
export async function readRowsForRepair(
  side: SideTable,
  keys: (Buffer | null)[][],
  literal: (cell: Buffer | null, column: DigestColumn) => string,
): Promise<(Buffer | null)[][]> {
  if (keys.length === 0) return []
  const match = keys
    .map(
      (cells) =>
        `(${side.keyColumns.map((c, i) => `${quoteIdentifier(c.name)} = ${literal(cells[i] ?? null, c)}`).join(' AND ')})`,
    )
    .join(' OR ')
  return rawRows(
    side.session,
    `SELECT ${side.columns.map((c) => c.read).join(', ')} FROM ${quoteTable(side.table)} WHERE ${match}`,
    [],
  )
}
