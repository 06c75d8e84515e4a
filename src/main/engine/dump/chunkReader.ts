/**
 * Streams the rows of one chunk from a snapshot session as arrays of raw cell bytes (Buffer, or null for
 * NULL): the text-protocol bytes of each value, in the column's own character set, which the writers put
 * back unchanged. The stream pauses the socket when its consumer is slow (bounded memory).
 */
import type { Readable } from 'node:stream'
import type { Connection as CallbackConnection } from 'mysql2'
import type { SqlSession } from '../connect/session'
import { buildChunkQuery } from './chunkPlanner'
import { copiedColumns } from './columnSelection'
import { bindKeyValues } from './keyBounds'
import type { Chunk, TableRef, ColumnInfo, KeyInfo } from './types'

export type RawRow = (Buffer | null)[]

/** Every cell as its bytes: no parsing means no rounding, no charset conversion and no date handling. */
const rawCells = (field: { buffer(): Buffer | null }) => field.buffer()

function callbackConnection(session: SqlSession): CallbackConnection {
  return (session.raw as unknown as { connection: CallbackConnection }).connection
}

/**
 * Results must arrive in each column's own charset (not converted to utf8mb4), so the bytes written to the
 * target are the stored bytes. Called once per snapshot session before reading.
 */
export async function prepareRawReads(session: SqlSession): Promise<void> {
  await session.query('SET SESSION character_set_results = binary')
}

export function readChunk(
  session: SqlSession,
  table: TableRef,
  columns: ColumnInfo[],
  key: KeyInfo | null,
  chunk: Chunk,
  highWaterMark = 1024,
): Readable {
  const bound: Chunk = key
    ? { ...chunk, lower: bindKeyValues(chunk.lower, key) as Chunk['lower'], upper: bindKeyValues(chunk.upper, key) as Chunk['upper'] }
    : chunk
  const { sql, params } = buildChunkQuery(table, copiedColumns(columns), key, bound)
  const query = callbackConnection(session).query({ sql, values: params, rowsAsArray: true, typeCast: rawCells as never })
  return query.stream({ highWaterMark, objectMode: true })
}

/** Streams the key columns in key order, as the query session decodes them (for boundary sampling). */
export function scanKeys(session: SqlSession, sql: string, highWaterMark = 4096): Readable {
  const query = callbackConnection(session).query({ sql, rowsAsArray: true })
  return query.stream({ highWaterMark, objectMode: true })
}

/**
 * The rows of a chunk stream in batches of whatever is buffered: one await per batch instead of one per
 * row (an async iterator per row costs more than encoding the row).
 */
export async function* rowBatches(rows: Readable): AsyncGenerator<RawRow[]> {
  let ended = false
  let failure: Error | null = null
  rows.once('end', () => (ended = true))
  rows.once('error', (error: Error) => (failure = error))
  rows.once('close', () => (ended = true))
  for (;;) {
    if (failure) throw failure
    const batch: RawRow[] = []
    for (let row = rows.read() as RawRow | null; row !== null; row = rows.read() as RawRow | null) batch.push(row)
    if (batch.length > 0) {
      yield batch
      continue
    }
    if (ended || rows.readableEnded) {
      if (failure) throw failure
      return
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        rows.off('readable', done)
        rows.off('end', done)
        rows.off('error', done)
        rows.off('close', done)
        resolve()
      }
      rows.on('readable', done)
      rows.on('end', done)
      rows.on('error', done)
      rows.on('close', done)
    })
  }
}
