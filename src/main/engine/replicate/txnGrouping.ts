/**
 * How the applier turns source transactions into target transactions. Every change of a source transaction goes
 * to one worker (the one causality allows for all of its keys) and is committed in one target transaction, so a
 * reader of the target never sees half of it; small transactions queued one after another on a worker share a
 * target transaction. Only a transaction larger than the target transaction cap is committed in several, at the
 * boundaries between its parts.
 */
import type { CellValue } from '../load/valueEncoding'
import type { SqlSession } from '../connect/session'
import type { Route } from './causality'

/** What the grouping needs to know of one queued unit: one source transaction, or one part of a large one. */
export interface GroupUnit {
  rows: number
  /** Row data it carries (rowBytes). */
  bytes: number
  /** False for a part of a large transaction that more parts follow. */
  last: boolean
}

/**
 * How many queued units the next statement chunk of a worker takes: at least one, then more while the chunk has
 * fewer than `batchRows` rows and the open target transaction (`openBytes` so far) stays within `capBytes`.
 * 0 when the open target transaction cannot take the next unit within the cap: it must be committed first.
 */
export function chunkLength(
  queue: readonly GroupUnit[],
  openBytes: number,
  batchRows: number,
  capBytes: number,
): number {
  let n = 0
  let rows = 0
  let bytes = openBytes
  while (n < queue.length) {
    const unit = queue[n]!
    if (n > 0 && rows >= batchRows) break
    if (bytes > 0 && bytes + unit.bytes > capBytes) break
    rows += unit.rows
    bytes += unit.bytes
    n++
  }
  return n
}

/**
 * The worker a source transaction's unit may go to now, or null when it must wait for commits: a transaction
 * whose keys are in flight on two workers waits until one of them has committed those keys (no worker waits for
 * another, so this cannot deadlock); a further part of a transaction goes to the worker holding its first parts
 * (`forced`), once no other worker holds one of its keys.
 */
export function unitWorker(route: Route, forced: number | null, leastLoaded: () => number): number | null {
  if (forced !== null)
    return route.kind === 'free' || (route.kind === 'worker' && route.worker === forced) ? forced : null
  if (route.kind === 'free') return leastLoaded()
  return route.kind === 'worker' ? route.worker : null
}

/** Row data of one row image, roughly as the target stores it: what the target transaction cap counts. */
export function rowBytes(row: readonly CellValue[] | null): number {
  if (!row) return 0
  let n = 0
  for (const v of row) n += v === null ? 1 : typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 8
  return n
}

/**
 * A target transaction's row data beyond which a source transaction is committed in parts. MariaDB has no hard
 * limit, but a huge transaction holds its row locks and undo until its end: 64 MiB keeps a commit within seconds.
 * TiDB refuses a transaction over `performance.txn-total-size-limit` (100 MB by default), which counts every key
 * and value written, index entries included: half of it is left for row data (50 MiB by default), and never more
 * than 64 MiB.
 */
export const defaultTxnCapBytes = 64 * 1024 * 1024

/** The cap for a target: `limit` is TiDB's txn-total-size-limit as read (null: could not be read). */
export function txnCapFor(isTidb: boolean, limit: number | null): number {
  if (!isTidb) return defaultTxnCapBytes
  return Math.min(defaultTxnCapBytes, Math.floor((limit ?? 100 * 1024 * 1024) / 2))
}

export async function readTxnCapBytes(control: SqlSession, isTidb: boolean): Promise<number> {
  if (!isTidb) return txnCapFor(false, null)
  let limit: number | null = null
  try {
    const rows = await control.query<{ Value: string }>(
      "SHOW CONFIG WHERE type = 'tidb' AND name = 'performance.txn-total-size-limit'",
    )
    const values = rows.map((r) => Number(r.Value)).filter((v) => Number.isFinite(v) && v > 0)
    // One row per TiDB instance: the smallest limit holds on every one.
    if (values.length > 0) limit = Math.min(...values)
  } catch {
    // SHOW CONFIG needs the CONFIG privilege: TiDB's default limit then.
  }
  return txnCapFor(true, limit)
}
