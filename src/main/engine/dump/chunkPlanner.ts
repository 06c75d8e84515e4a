import { CutoverError } from '../../../shared/domain/errors'
import { selectExpression } from './columnSelection'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import type { Chunk, KeyInfo, KeyValue } from './types'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'

export interface ChunkPlanInput {
  table: TableRef
  key: KeyInfo | null
  rowEstimate: number
  avgRowBytes: number
  targetChunkBytes: number
  /** Key tuples sampled in key order (see `pickBoundaries`); each becomes the inclusive upper bound of a chunk. */
  boundaries?: KeyValue[][]
}

/** How many rows make a chunk of about `targetChunkBytes`; at least one. */
export function rowsPerChunk(avgRowBytes: number, targetChunkBytes: number): number {
  if (!(targetChunkBytes > 0)) throw new Error('targetChunkBytes must be positive')
  const rowBytes = avgRowBytes > 0 ? avgRowBytes : 1
  return Math.max(1, Math.floor(targetChunkBytes / rowBytes))
}

/**
 * The query whose rows feed `pickBoundaries`: only the key columns, in key order, so the server streams them from
 * the index without touching the rows.
 */
export function buildKeyScanQuery(table: TableRef, key: KeyInfo): string {
  const cols = key.columns.map((c) => quoteIdentifier(c.name)).join(', ')
  return `SELECT ${cols} FROM ${quoteTable(table)} ORDER BY ${cols}`
}

/**
 * Every `rowsPerChunk`-th key of a key-ordered scan. The last key is never a boundary (the chunk after it would be
 * empty), which is why this looks one key ahead.
 */
export function pickBoundaries(sortedKeys: Iterable<KeyValue[]>, rowsPerChunk: number): KeyValue[][] {
  const picker = boundaryPicker(rowsPerChunk)
  for (const key of sortedKeys) picker.add(key)
  return picker.picked
}

/** `pickBoundaries` one key at a time, so that a scan of any length keeps only the picked keys in memory. */
export function boundaryPicker(rowsPerChunk: number): { add(key: KeyValue[]): void; readonly picked: KeyValue[][] } {
  if (!Number.isInteger(rowsPerChunk) || rowsPerChunk < 1) throw new Error('rowsPerChunk must be a positive integer')
  const picked: KeyValue[][] = []
  let seen = 0
  let pending: KeyValue[] | null = null
  return {
    picked,
    add(key) {
      if (pending !== null) {
        picked.push(pending)
        pending = null
      }
      seen += 1
      if (seen % rowsPerChunk === 0) pending = key
    },
  }
}

/**
 * Splits a table into contiguous, non-overlapping key ranges that cover the whole key space: the first chunk has no
 * lower bound and the last no upper bound, so rows inserted outside the sampled range are still read.
 */
export function planChunks(input: ChunkPlanInput): Chunk[] {
  const { key } = input
  if (key === null || key.columns.length === 0 || !input.boundaries || input.boundaries.length === 0) {
    return [{ index: 0, lower: null, upper: null }]
  }
  const boundaries = collapseDuplicates(input.boundaries, key, input.table)
  if (key.columns.every((c) => c.type === 'int' || c.type === 'uint')) assertAscending(boundaries, input.table)

  const chunks: Chunk[] = []
  let lower: KeyValue[] | null = null
  for (const upper of boundaries) {
    chunks.push({ index: chunks.length, lower, upper })
    lower = upper
  }
  chunks.push({ index: chunks.length, lower, upper: null })
  return chunks
}

/**
 * The read query for one chunk. Composite keys use a row-value comparison, which is exactly lexicographic key
 * order in MySQL and MariaDB; the extra `k1 >= ?` / `k1 <= ?` on the leading column is implied by it but is what
 * lets the optimizer pick an index range scan (neither server turns a row-value `>` into a range by itself).
 */
export function buildChunkQuery(
  table: TableRef,
  columns: readonly ColumnInfo[],
  key: KeyInfo | null,
  chunk: Chunk,
): { sql: string; params: unknown[] } {
  if (columns.length === 0) throw new Error(`no columns to read from ${table.schema}.${table.name}`)
  const select = `SELECT ${columns.map(selectExpression).join(', ')} FROM ${quoteTable(table)}`
  const { where, params } = chunkCondition(table, key, chunk)
  if (key === null || key.columns.length === 0) return { sql: select, params: [] }
  const order = key.columns.map((c) => quoteIdentifier(c.name)).join(', ')
  return { sql: `${select}${where ? ` WHERE ${where}` : ''} ORDER BY ${order}`, params }
}

/**
 * The WHERE condition (without the keyword; '' for an unbounded chunk) that selects one chunk's key range.
 * `collations[i]`, when given, compares key column i under that collation (`col COLLATE x`): a target whose text
 * key was given another collation than the source's must cut ranges where the source cuts them.
 */
export function chunkCondition(
  table: TableRef,
  key: KeyInfo | null,
  chunk: Chunk,
  collations: readonly (string | null)[] = [],
): { where: string; params: unknown[] } {
  if (key === null || key.columns.length === 0) {
    if (chunk.lower !== null || chunk.upper !== null) {
      throw new Error(`a table without a key is read in one chunk: ${table.schema}.${table.name}`)
    }
    return { where: '', params: [] }
  }
  const names = key.columns.map((c, i) => {
    const collation = collations[i]
    if (collation && !/^[A-Za-z0-9_]+$/.test(collation)) throw new Error(`not a collation name: ${collation}`)
    return collation ? `${quoteIdentifier(c.name)} COLLATE ${collation}` : quoteIdentifier(c.name)
  })
  const first = names[0] as string
  const tuple = names.length === 1 ? first : `(${names.join(', ')})`
  const marks = names.length === 1 ? '?' : `(${names.map(() => '?').join(', ')})`
  const where: string[] = []
  const params: unknown[] = []
  const bound = (values: KeyValue[], leadingOp: string, op: string): void => {
    checkBound(values, key, table)
    if (names.length > 1) {
      where.push(`${first} ${leadingOp} ?`)
      params.push(values[0])
    }
    where.push(`${tuple} ${op} ${marks}`)
    params.push(...values)
  }
  if (chunk.lower !== null) bound(chunk.lower, '>=', '>')
  if (chunk.upper !== null) bound(chunk.upper, '<=', '<=')
  return { where: where.join(' AND '), params }
}

function checkBound(values: KeyValue[], key: KeyInfo, table: TableRef): void {
  if (values.length !== key.columns.length) {
    throw new Error(
      `a chunk bound of ${table.schema}.${table.name} has ${values.length} values for a ${key.columns.length}-column key`,
    )
  }
  values.forEach((v, i) => {
    const column = key.columns[i]!
    if (v === null) {
      throw new CutoverError({
        code: 'DUMP_NULL_KEY_VALUE',
        message: `${table.schema}.${table.name}: key column ${column.name} has a NULL value, so key ranges cannot cover it`,
        workaround: 'Chunk by the primary key or a unique key whose columns are all NOT NULL.',
        stage: 'existing',
      })
    }
    // A binary parameter would make the server compare a text key byte-wise instead of under its collation, and a
    // chunk boundary in the wrong order leaves gaps and overlaps.
    if (column.type === 'string' && Buffer.isBuffer(v)) {
      throw new Error(`${table.schema}.${table.name}: text key ${column.name} must be bound as a string, not bytes`)
    }
  })
}

function collapseDuplicates(boundaries: KeyValue[][], key: KeyInfo, table: TableRef): KeyValue[][] {
  const out: KeyValue[][] = []
  for (const b of boundaries) {
    checkBound(b, key, table)
    const last = out[out.length - 1]
    if (last === undefined || !sameTuple(last, b)) out.push(b)
  }
  return out
}

function sameTuple(a: KeyValue[], b: KeyValue[]): boolean {
  return a.length === b.length && a.every((v, i) => sameValue(v, b[i] ?? null))
}

function sameValue(a: KeyValue, b: KeyValue): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)
  if (a === null || b === null) return a === b
  return String(a) === String(b)
}

/** Integer keys can be checked for order in JS; text order belongs to the server's collation, so it is trusted. */
function assertAscending(boundaries: KeyValue[][], table: TableRef): void {
  for (let i = 1; i < boundaries.length; i++) {
    if (compareIntTuples(boundaries[i - 1]!, boundaries[i]!) >= 0) {
      throw new Error(`chunk boundaries of ${table.schema}.${table.name} are not in ascending key order`)
    }
  }
}

function compareIntTuples(a: KeyValue[], b: KeyValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = BigInt(String(a[i]))
    const y = BigInt(String(b[i]))
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}
