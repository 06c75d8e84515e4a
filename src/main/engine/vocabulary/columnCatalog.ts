/**
 * The columns of a set of tables as information_schema shows them now, read in batches (one query per 500
 * tables). The existing-data stage chunks and copies by them; the schema tracker seeds its history with them.
 */
import type { SqlSession } from '../connect/session'
import { tableKey, type TableRef } from './tableRef'

export type GeneratedKind = 'no' | 'virtual' | 'stored'

export interface ColumnInfo {
  name: string
  /** Lowercased `DATA_TYPE` from information_schema, e.g. `varchar`, `bigint`, `bit`. */
  dataType: string
  /** Full `COLUMN_TYPE`, e.g. `bigint(20) unsigned`, `enum('a','b')`. */
  columnType: string
  nullable: boolean
  generated: GeneratedKind
  charset: string | null
  collation: string | null
  /** The copy reads the column as `CONVERT(col USING utf8mb4)` (latin1 text for a TiDB target, latin1Text.ts). */
  readAsUtf8?: boolean
}

/** `(TABLE_SCHEMA, TABLE_NAME) IN ((?,?),…)` for a batch of tables. */
export function tablePairFilter(tables: TableRef[]): { sql: string; params: string[] } {
  return {
    sql: `(TABLE_SCHEMA, TABLE_NAME) IN (${tables.map(() => '(?, ?)').join(', ')})`,
    params: tables.flatMap((t) => [t.schema, t.name]),
  }
}

function generatedKind(extra: string): ColumnInfo['generated'] {
  const e = extra.toUpperCase()
  if (e.includes('VIRTUAL')) return 'virtual'
  if (e.includes('STORED') || e.includes('PERSISTENT')) return 'stored'
  return 'no'
}

/** Columns in ordinal order, keyed by `tableKey`, for one batch of at most a few hundred tables. */
export async function readColumns(session: SqlSession, batch: TableRef[]): Promise<Map<string, ColumnInfo[]>> {
  const out = new Map<string, ColumnInfo[]>()
  if (batch.length === 0) return out
  const filter = tablePairFilter(batch)
  const rows = await session.query<{
    TABLE_SCHEMA: string
    TABLE_NAME: string
    COLUMN_NAME: string
    DATA_TYPE: string
    COLUMN_TYPE: string
    IS_NULLABLE: string
    EXTRA: string | null
    CHARACTER_SET_NAME: string | null
    COLLATION_NAME: string | null
  }>(
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME
     FROM information_schema.COLUMNS WHERE ${filter.sql} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    filter.params,
  )
  for (const c of rows) {
    const key = tableKey({ schema: c.TABLE_SCHEMA, name: c.TABLE_NAME })
    const list = out.get(key) ?? []
    list.push({
      name: c.COLUMN_NAME,
      dataType: c.DATA_TYPE.toLowerCase(),
      columnType: c.COLUMN_TYPE,
      nullable: c.IS_NULLABLE === 'YES',
      generated: generatedKind(c.EXTRA ?? ''),
      charset: c.CHARACTER_SET_NAME,
      collation: c.COLLATION_NAME,
    })
    out.set(key, list)
  }
  return out
}
