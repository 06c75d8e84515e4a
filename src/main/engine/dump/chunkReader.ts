/**
 * Reads the rows of one chunk from a snapshot session as raw text-protocol row packets: each cell the
 * server's bytes in the column's own character set, which the writers transcode without parsing (no
 * rounding, no charset conversion, no date handling, and no JS value per cell). The caller pauses the
 * stream when its consumer is slow (bounded memory).
 */
import type { Connection as CallbackConnection } from 'mysql2'
import { streamRawRows } from '../connect/rawQuery'
import type { RawRowHandler, RawRowStream } from '../connect/rawQuery'
import type { SqlSession } from '../connect/session'
import { buildChunkQuery } from './chunkPlanner'
import { copiedColumns } from './columnSelection'
import { bindKeyValues } from './keyBounds'
import type { Chunk, KeyInfo } from './types'
import type { TableRef } from '../vocabulary/tableRef'
import type { ColumnInfo } from '../vocabulary/columnCatalog'

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

/** Streams the chunk's rows (copied columns, in `copiedColumns` order) to `onRow`, in key order. */
export function readChunk(
  session: SqlSession,
  table: TableRef,
  columns: ColumnInfo[],
  key: KeyInfo | null,
  chunk: Chunk,
  onRow: RawRowHandler,
): RawRowStream {
  const bound: Chunk = key
    ? {
        ...chunk,
        lower: bindKeyValues(chunk.lower, key) as Chunk['lower'],
        upper: bindKeyValues(chunk.upper, key) as Chunk['upper'],
      }
    : chunk
  const { sql, params } = buildChunkQuery(table, copiedColumns(columns), key, bound)
  // The key bounds are formatted into the statement exactly as mysql2's query() would (client-side).
  return streamRawRows(session, params.length > 0 ? callbackConnection(session).format(sql, params) : sql, onRow)
}

/**
 * Calls `onKey` with the key columns of every row in key order, as the query session decodes them (boundary
 * sampling). Synchronous per row and unpaused: the caller keeps only what it picks, so memory stays flat, and a
 * scan of millions of keys runs at the server's pace (an object-mode stream with async iteration took 3× as long).
 */
export function scanKeys(session: SqlSession, sql: string, onKey: (key: unknown[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    callbackConnection(session)
      .query({ sql, rowsAsArray: true })
      .on('result', (row) => onKey(row as unknown[]))
      .on('error', reject)
      .on('end', resolve)
  })
}
