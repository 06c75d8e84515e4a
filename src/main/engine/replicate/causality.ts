/**
 * Causality detection for the parallel applier (DM's "causality" unit): every row change names the keys it
 * touches (each unique key of its table, for the old and the new row image); a change may only go to a worker
 * that already holds all of its in-flight keys, and waits when they are spread over several workers. Changes to
 * the same key therefore run on one worker, in binlog order, while unrelated changes spread out.
 */
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { CellValue } from '../load/valueEncoding'
import { perColumn } from '../load/valueEncoding'
import type { UniqueKey } from './schemaTracker'

export type Route = { kind: 'free' } | { kind: 'worker'; worker: number } | { kind: 'conflict'; workers: number[] }

export interface Causality {
  /** Where a change with these keys may run now. */
  route(keys: readonly string[]): Route
  /** Records keys as in flight on a worker (counted: one key may be held by several queued changes). */
  acquire(keys: readonly string[], worker: number): void
  /** Releases keys once the change holding them is committed on the target. */
  release(keys: readonly string[]): void
  readonly size: number
}

const free: Route = { kind: 'free' }

export function createCausality(): Causality {
  const held = new Map<string, { worker: number; count: number }>()
  return {
    route(keys) {
      let worker = -1
      let spread = false
      for (const key of keys) {
        const h = held.get(key)
        if (!h) continue
        if (worker >= 0 && h.worker !== worker) spread = true
        worker = h.worker
      }
      if (worker < 0) return free
      if (!spread) return { kind: 'worker', worker }
      const workers = new Set<number>()
      for (const key of keys) {
        const h = held.get(key)
        if (h) workers.add(h.worker)
      }
      return { kind: 'conflict', workers: [...workers].sort((a, b) => a - b) }
    },
    acquire(keys, worker) {
      for (const key of keys) {
        const h = held.get(key)
        if (h) {
          if (h.worker !== worker) throw new Error(`causality: key ${key} is held by worker ${h.worker}, not ${worker}`)
          h.count++
        } else held.set(key, { worker, count: 1 })
      }
    },
    release(keys) {
      for (const key of keys) {
        const h = held.get(key)
        if (!h) continue
        if (--h.count === 0) held.delete(key)
      }
    },
    get size() {
      return held.size
    },
  }
}

const keyIndexCache = new WeakMap<readonly UniqueKey[], WeakMap<readonly ColumnInfo[], number[][]>>()
/** Per unique key, the positions of its columns in the row image (-1 when the image lacks one). */
export function keyColumnIndexes(keys: readonly UniqueKey[], columns: readonly ColumnInfo[]): number[][] {
  let byColumns = keyIndexCache.get(keys)
  if (!byColumns) keyIndexCache.set(keys, (byColumns = new WeakMap()))
  let indexes = byColumns.get(columns)
  if (!indexes) {
    const lower = columns.map((c) => c.name.toLowerCase())
    indexes = keys.map((k) => k.columns.map((name) => lower.indexOf(name.toLowerCase())))
    byColumns.set(columns, indexes)
  }
  return indexes
}

const textTypes = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'])

/** How a column's key values become text: folded (case/accent-insensitive text), in the charset they are in. */
type Folding = 'none' | 'utf8' | 'latin1'
const foldingOf = perColumn((column): Folding => {
  const binaryCollation = column.charset === 'binary' || /_bin$/.test(column.collation ?? '')
  if (!textTypes.has(column.dataType) || binaryCollation) return 'none'
  return /^utf8/.test(column.charset ?? 'utf8') ? 'utf8' : 'latin1'
})

/**
 * A key value as text that two values equal under the column's collation share. Text is folded coarsely (case,
 * accents, trailing spaces), so values a case- or accent-insensitive unique index treats as one always meet here;
 * folding too much only serializes two changes that could have run in parallel.
 */
export function keyText(value: CellValue, column: ColumnInfo): string {
  if (value === null) return '\u0000NULL'
  const folding = foldingOf(column)
  if (folding !== 'none') {
    const text = Buffer.isBuffer(value) ? value.toString(folding) : String(value)
    return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/ +$/, '')
  }
  if (Buffer.isBuffer(value)) return `x${value.toString('hex')}`
  return String(value)
}

const prefixCache = new WeakMap<readonly UniqueKey[], WeakMap<TableRef, string[]>>()
/** Per unique key, the start of its key strings: `schema.table␁key␁`. */
function keyPrefixes(ref: TableRef, keys: readonly UniqueKey[]): string[] {
  let byTable = prefixCache.get(keys)
  if (!byTable) prefixCache.set(keys, (byTable = new WeakMap()))
  let prefixes = byTable.get(ref)
  if (!prefixes) byTable.set(ref, (prefixes = keys.map((k) => `${ref.schema}.${ref.name}\u0001${k.name}\u0001`)))
  return prefixes
}

/**
 * The causality keys of one row image: one per unique key without NULL parts; a table with no usable unique key
 * gets one key for the whole table, so its changes run one after another.
 */
export function rowKeys(
  ref: TableRef,
  columns: readonly ColumnInfo[],
  keys: readonly UniqueKey[],
  row: readonly CellValue[] | null,
): string[] {
  if (!row) return []
  const out: string[] = []
  const indexes = keyColumnIndexes(keys, columns)
  const prefixes = keyPrefixes(ref, keys)
  for (let k = 0; k < keys.length; k++) {
    const at = indexes[k]!
    let text = prefixes[k]!
    for (let j = 0; j < at.length; j++) {
      const value = at[j]! < 0 ? undefined : row[at[j]!]
      // NULLs never collide in a unique index; a key naming a column this row image lacks cannot be used.
      if (value === undefined || value === null) {
        text = ''
        break
      }
      text += (j > 0 ? '\u0002' : '') + keyText(value, columns[at[j]!]!)
    }
    if (text) out.push(text)
  }
  if (out.length === 0) out.push(`${ref.schema}.${ref.name}\u0001*`)
  return out
}
