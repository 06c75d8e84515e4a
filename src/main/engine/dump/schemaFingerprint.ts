/**
 * A digest per table of everything a DDL can change (columns, indexes, table options) as information_schema shows
 * it, read in a fixed number of queries (one per 500 tables and view). DDL is not part of a consistent snapshot:
 * the snapshot takes one under its lock, and the schema read after the lock is released is the snapshot's only if
 * the digests read then are the same.
 */
import { createHash } from 'node:crypto'
import type { SqlSession } from '../connect/session'
import { tableKey } from '../vocabulary/tableRef'
import { tablePairFilter } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'

export type SchemaFingerprint = Map<string, string>

/** Columns whose values only DDL changes (row counts, sizes, times and cardinalities are left out). */
const views = [
  {
    from: 'information_schema.COLUMNS',
    columns:
      'ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT',
  },
  {
    from: 'information_schema.STATISTICS',
    columns: 'INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE',
  },
  { from: 'information_schema.TABLES', columns: 'TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT' },
]

export async function readSchemaFingerprint(session: SqlSession, tables: TableRef[]): Promise<SchemaFingerprint> {
  const parts = new Map<string, string[]>()
  for (let i = 0; i < tables.length; i += 500) {
    const filter = tablePairFilter(tables.slice(i, i + 500))
    for (const view of views) {
      const rows = await session.query<Record<string, unknown>>(
        `SELECT TABLE_SCHEMA AS s_, TABLE_NAME AS t_, ${view.columns} FROM ${view.from} WHERE ${filter.sql}`,
        filter.params,
      )
      for (const { s_, t_, ...rest } of rows) {
        const key = tableKey({ schema: String(s_), name: String(t_) })
        const list = parts.get(key) ?? []
        list.push(`${view.from} ${JSON.stringify(Object.values(rest).map((v) => (v === null ? null : String(v))))}`)
        parts.set(key, list)
      }
    }
  }
  const out: SchemaFingerprint = new Map()
  for (const t of tables) {
    const lines = (parts.get(tableKey(t)) ?? []).sort()
    out.set(tableKey(t), createHash('sha256').update(lines.join('\n')).digest('hex'))
  }
  return out
}

/** Tables whose digest differs between two readings (a table dropped or created counts too). */
export function changedTables(before: SchemaFingerprint, after: SchemaFingerprint, tables: TableRef[]): TableRef[] {
  return tables.filter((t) => before.get(tableKey(t)) !== after.get(tableKey(t)))
}
