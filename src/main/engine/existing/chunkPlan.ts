/**
 * Plans the chunks of every table once per job and keeps the plan in the job store, so a resumed job redoes
 * exactly the chunks that were not committed. Single integer keys split MIN..MAX arithmetically; other keys
 * sample every Nth key of a key-ordered index scan.
 */
import type { SqlSession } from '../connect/session'
import type { ChunkCheckpoint } from '../../store/jobStore'
import type { CheckpointPort } from '../jobStage'
import { boundaryPicker, buildKeyScanQuery, planChunks, rowsPerChunk } from '../dump/chunkPlanner'
import { scanKeys } from '../dump/chunkReader'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import { decodeKeyValues, encodeKeyValues } from '../dump/keyBounds'
import type { TableShape } from '../dump/tableInspector'
import type { Chunk, KeyValue } from '../dump/types'

export const tableName = (shape: TableShape) => `${shape.table.schema}.${shape.table.name}`

/**
 * How a chunk is written, and redone after an interruption:
 * - 'fresh': a keyed table the target held no rows of when the job was planned. Its chunks are written with
 *   plain INSERT (a duplicate key is an error: two source rows that one key of the target holds as equal); a chunk
 *   is checkpointed 'started' before its first row, and a started one is redone as 'replace'.
 * - 'replace': a keyed table: the chunk's rows replace any the target already has.
 * - 'truncate': a table without a key that the target held no rows of: a started chunk empties it first.
 * - 'append': a table without a key that already had rows: a started chunk may leave duplicates (logged).
 */
export type ChunkRedo = 'fresh' | 'replace' | 'truncate' | 'append'

export interface PlannedChunk extends Chunk {
  state: 'pending' | 'started' | 'done'
  rows: number
  bytes: number
  redo: ChunkRedo
}

export interface PlannedTable {
  shape: TableShape
  chunks: PlannedChunk[]
}

async function integerBoundaries(session: SqlSession, shape: TableShape, perChunk: number): Promise<KeyValue[][]> {
  const column = quoteIdentifier(shape.key!.columns[0]!.name)
  const [row] = await session.query<{ lo: string | number | null; hi: string | number | null }>(
    `SELECT MIN(${column}) AS lo, MAX(${column}) AS hi FROM ${quoteTable(shape.table)}`,
  )
  if (!row || row.lo === null || row.hi === null) return []
  const lo = BigInt(String(row.lo))
  const hi = BigInt(String(row.hi))
  const count = BigInt(Math.max(1, Math.ceil(shape.rowEstimate / perChunk)))
  if (count <= 1n || hi <= lo) return []
  const step = (hi - lo) / count
  if (step === 0n) return []
  const out: KeyValue[][] = []
  for (let b = lo + step; b < hi; b += step) out.push([b.toString()])
  return out
}

async function sampledBoundaries(session: SqlSession, shape: TableShape, perChunk: number): Promise<KeyValue[][]> {
  // Only every perChunk-th key is kept: memory stays flat however many rows the table has.
  const picker = boundaryPicker(perChunk)
  await scanKeys(session, buildKeyScanQuery(shape.table, shape.key!), (key) => picker.add(key as KeyValue[]))
  return picker.picked
}

export async function planTable(session: SqlSession, shape: TableShape, targetChunkBytes: number): Promise<Chunk[]> {
  const perChunk = rowsPerChunk(shape.avgRowBytes || 256, targetChunkBytes)
  if (!shape.key || shape.rowEstimate <= perChunk) return planChunks({ ...base(shape, targetChunkBytes) })
  const single = shape.key.columns.length === 1 && ['int', 'uint'].includes(shape.key.columns[0]!.type)
  const boundaries = single
    ? await integerBoundaries(session, shape, perChunk)
    : await sampledBoundaries(session, shape, perChunk)
  return planChunks({ ...base(shape, targetChunkBytes), boundaries })
}

function base(shape: TableShape, targetChunkBytes: number) {
  return {
    table: shape.table,
    key: shape.key,
    rowEstimate: shape.rowEstimate,
    avgRowBytes: shape.avgRowBytes,
    targetChunkBytes,
  }
}

/** The stored plan, or a new one saved as all-pending. */
export async function loadOrPlan(
  store: CheckpointPort,
  jobId: string,
  session: SqlSession,
  shapes: TableShape[],
  targetChunkBytes: number,
  /** Whether the target table holds no rows now (then its chunks are 'fresh' or 'truncate'). */
  targetIsEmpty: (shape: TableShape) => Promise<boolean>,
): Promise<PlannedTable[]> {
  const stored = new Map<string, ChunkCheckpoint[]>()
  for (const c of store.listChunks(jobId)) stored.set(c.table, [...(stored.get(c.table) ?? []), c])
  const planned: PlannedTable[] = []
  for (const shape of shapes) {
    const existing = stored.get(tableName(shape))
    if (existing && existing.length > 0) {
      planned.push({
        shape,
        chunks: existing.map((c) => ({
          index: c.chunkIndex,
          lower: decodeKeyValues(c.lower),
          upper: decodeKeyValues(c.upper),
          state: c.state,
          rows: c.rows,
          bytes: c.bytes,
          redo: c.redo ?? 'replace',
        })),
      })
      continue
    }
    const chunks = await planTable(session, shape, targetChunkBytes)
    const empty = await targetIsEmpty(shape)
    const redo: ChunkRedo = shape.key ? (empty ? 'fresh' : 'replace') : empty ? 'truncate' : 'append'
    store.saveChunks(
      jobId,
      chunks.map((c) => ({
        table: tableName(shape),
        chunkIndex: c.index,
        lower: encodeKeyValues(c.lower),
        upper: encodeKeyValues(c.upper),
        state: 'pending',
        rows: 0,
        bytes: 0,
        redo,
      })),
    )
    planned.push({ shape, chunks: chunks.map((c) => ({ ...c, state: 'pending', rows: 0, bytes: 0, redo })) })
  }
  return planned
}
