/** Shapes shared by the dump and load units of the existing-data stage. */
import type { KeyColumnType } from '../vocabulary/rowIdentity'

/**
 * A key or cell value as the reader hands it over. Text keys are JS strings (so the server compares them under the
 * column's collation); binary keys and raw cell bytes are Buffers; big integers and decimals are digit strings or bigint.
 */
export type KeyValue = string | Buffer | number | bigint | null

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
