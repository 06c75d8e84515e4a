/** Shapes shared by the dump and load units of the existing-data stage. */
import type { KeyColumnType } from '../vocabulary/rowIdentity'

export interface TableRef {
  schema: string
  name: string
}

/**
 * A key or cell value as the reader hands it over. Text keys are JS strings (so the server compares them under the
 * column's collation); binary keys and raw cell bytes are Buffers; big integers and decimals are digit strings or bigint.
 */
export type KeyValue = string | Buffer | number | bigint | null

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

export interface KeyInfo {
  columns: { name: string; type: KeyColumnType }[]
  kind: 'primary' | 'unique'
}

/** A key range: rows with `lower < key <= upper`; a null bound is open. */
export interface Chunk {
  index: number
  lower: KeyValue[] | null
  upper: KeyValue[] | null
}
