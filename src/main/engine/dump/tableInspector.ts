/**
 * Reads what the existing-data stage needs to know of each selected table — its columns, the key to chunk
 * by, and size estimates — with a fixed number of information_schema queries whatever the table count.
 */
import type { SqlSession } from '../connect/session'
import { readColumns, tablePairFilter } from '../vocabulary/columnCatalog'
import { tableKey } from '../vocabulary/tableRef'
import { keyColumnType, rowIdentityKeys } from '../vocabulary/rowIdentity'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { KeyInfo } from './types'
import type { TableRef } from '../vocabulary/tableRef'

export interface TableShape {
  table: TableRef
  columns: ColumnInfo[]
  key: KeyInfo | null
  rowEstimate: number
  avgRowBytes: number
  dataBytes: number
  kind: 'table' | 'view'
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
 * The primary key, else the narrowest unique key that identifies a row (vocabulary/rowIdentity.ts): the key the
 * copy chunks by and the validation compares by.
 */
export function chooseKey(
  columns: ColumnInfo[],
  uniques: Map<string, { column: string | null; subPart: unknown }[]>,
): KeyInfo | null {
  const [key] = rowIdentityKeys(
    [...uniques].map(([name, parts]) => ({ name, parts })),
    columns,
  )
  if (!key) return null
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]))
  return {
    kind: key.name === 'PRIMARY' ? 'primary' : 'unique',
    columns: key.parts.map((part) => {
      const column = byName.get(part.column!.toLowerCase())!
      return { name: column.name, type: keyColumnType(column) }
    }),
  }
}
