/**
 * Reads what the existing-data stage needs to know of each selected table — its columns, the key to chunk
 * by, and size estimates — with a fixed number of information_schema queries whatever the table count.
 */
import type { SqlSession } from '../connect/session'
import { readColumns, tableKey, tablePairFilter } from '../schema/columnCatalog'
import type { ColumnInfo, KeyColumnType, KeyInfo, TableRef } from './types'

export interface TableShape {
  table: TableRef
  columns: ColumnInfo[]
  key: KeyInfo | null
  rowEstimate: number
  avgRowBytes: number
  dataBytes: number
  kind: 'table' | 'view'
}

const intTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year'])
const binaryTypes = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit'])
const textTypes = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'])
const timeTypes = new Set(['date', 'datetime', 'timestamp', 'time'])

export function keyColumnType(column: ColumnInfo): KeyColumnType {
  if (intTypes.has(column.dataType)) return column.columnType.includes('unsigned') ? 'uint' : 'int'
  if (column.dataType === 'decimal' || column.dataType === 'numeric') return 'decimal'
  if (binaryTypes.has(column.dataType)) return 'binary'
  if (textTypes.has(column.dataType)) return column.charset === 'binary' ? 'binary' : 'string'
  if (timeTypes.has(column.dataType)) return 'datetime'
  return 'other'
}

export async function inspectTables(session: SqlSession, tables: TableRef[]): Promise<TableShape[]> {
  if (tables.length === 0) return []
  const shapes = new Map<string, TableShape>()
  // Batches keep each statement far below max_allowed_packet even for 10,000 tables.
  for (let i = 0; i < tables.length; i += 500) {
    const batch = tables.slice(i, i + 500)
    const filter = tablePairFilter(batch)
    const stats = await session.query<{
      TABLE_SCHEMA: string
      TABLE_NAME: string
      TABLE_TYPE: string
      TABLE_ROWS: string | number | null
      AVG_ROW_LENGTH: string | number | null
      DATA_LENGTH: string | number | null
    }>(
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS, AVG_ROW_LENGTH, DATA_LENGTH
       FROM information_schema.TABLES WHERE ${filter.sql}`,
      filter.params,
    )
    for (const s of stats) {
      const table = { schema: s.TABLE_SCHEMA, name: s.TABLE_NAME }
      shapes.set(tableKey(table), {
        table,
        columns: [],
        key: null,
        rowEstimate: Number(s.TABLE_ROWS ?? 0),
        avgRowBytes: Number(s.AVG_ROW_LENGTH ?? 0),
        dataBytes: Number(s.DATA_LENGTH ?? 0),
        kind: s.TABLE_TYPE === 'VIEW' ? 'view' : 'table',
      })
    }
    for (const [key, columns] of await readColumns(session, batch)) {
      const shape = shapes.get(key)
      if (shape) shape.columns = columns
    }
    const indexes = await session.query<{
      TABLE_SCHEMA: string
      TABLE_NAME: string
      INDEX_NAME: string
      NON_UNIQUE: string | number
      COLUMN_NAME: string | null
      SUB_PART: string | number | null
      SEQ_IN_INDEX: string | number
    }>(
      `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, SEQ_IN_INDEX
       FROM information_schema.STATISTICS WHERE ${filter.sql} AND NON_UNIQUE = 0
       ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      filter.params,
    )
    const uniques = new Map<string, Map<string, { column: string | null; subPart: unknown }[]>>()
    for (const ix of indexes) {
      const t = tableKey({ schema: ix.TABLE_SCHEMA, name: ix.TABLE_NAME })
      const byIndex = uniques.get(t) ?? new Map()
      const parts = byIndex.get(ix.INDEX_NAME) ?? []
      parts.push({ column: ix.COLUMN_NAME, subPart: ix.SUB_PART })
      byIndex.set(ix.INDEX_NAME, parts)
      uniques.set(t, byIndex)
    }
    for (const [t, byIndex] of uniques) {
      const shape = shapes.get(t)
      if (shape) shape.key = chooseKey(shape.columns, byIndex)
    }
  }
  return tables.flatMap((t) => shapes.get(tableKey(t)) ?? [])
}

/**
 * The primary key, else the narrowest unique key whose columns are all NOT NULL and whole (a prefix index
 * or an expression part does not identify a row). Keys of other types than plain scalars are skipped.
 */
export function chooseKey(
  columns: ColumnInfo[],
  uniques: Map<string, { column: string | null; subPart: unknown }[]>,
): KeyInfo | null {
  const byName = new Map(columns.map((c) => [c.name, c]))
  const candidates: KeyInfo[] = []
  for (const [indexName, parts] of uniques) {
    const keyColumns: ColumnInfo[] = []
    for (const part of parts) {
      const column = part.column === null ? undefined : byName.get(part.column)
      if (!column || part.subPart !== null || column.nullable || keyColumnType(column) === 'other') break
      keyColumns.push(column)
    }
    if (keyColumns.length !== parts.length) continue
    const key: KeyInfo = {
      kind: indexName === 'PRIMARY' ? 'primary' : 'unique',
      columns: keyColumns.map((c) => ({ name: c.name, type: keyColumnType(c) })),
    }
    if (key.kind === 'primary') return key
    candidates.push(key)
  }
  candidates.sort((a, b) => a.columns.length - b.columns.length)
  return candidates[0] ?? null
}
