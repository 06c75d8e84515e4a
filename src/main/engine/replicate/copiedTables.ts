/**
 * Which binlog changes a table's copy already holds. Replication starts at the job's first snapshot, but a copy
 * resumed after an interruption reads its remaining chunks from a newer snapshot: a table whose chunks were all
 * read at a later point holds every change before that point, and applying those changes again would add a
 * key-less table's inserts twice (safe mode makes the replay idempotent only where a key identifies the row).
 * Such a table's changes are skipped up to the snapshot its copy was read at.
 */
import type { ChunkCheckpoint } from '../../store/jobStore'
import type { BinlogPoint } from './safeMode'
import { comparePositions } from './safeMode'

/**
 * Per table ('schema.name'), the earliest snapshot position its done chunks were read at, for the tables where that
 * is after `start`. A table with a chunk not done, or done without a recorded snapshot, is left out.
 */
export function copiedPositions(chunks: readonly ChunkCheckpoint[], start: BinlogPoint): Map<string, BinlogPoint> {
  const earliest = new Map<string, BinlogPoint | null>()
  for (const c of chunks) {
    const at = c.state === 'done' ? (c.snapshot ?? null) : null
    const known = earliest.get(c.table)
    if (known === undefined) earliest.set(c.table, at)
    else if (known === null || at === null) earliest.set(c.table, null)
    else if (comparePositions(at, known) < 0) earliest.set(c.table, at)
  }
  const out = new Map<string, BinlogPoint>()
  for (const [table, at] of earliest) if (at && comparePositions(at, start) > 0) out.set(table, at)
  return out
}

/**
 * Decides, in binlog order, whether a table's change is held by its copy. `end` is the end of the change's
 * transaction, null for a part of a large one whose end is not read yet: such a part is held when its transaction
 * began before the copy's snapshot in the same binlog file (a snapshot is taken between transactions, so the whole
 * transaction is then before it); across a file boundary it is applied (idempotent in safe mode where a key allows).
 */
export function createCopyFilter(copied: ReadonlyMap<string, BinlogPoint>, initial: BinlogPoint) {
  // End of the last whole transaction seen: where the next one begins.
  let boundary: BinlogPoint = initial
  return {
    holds(table: string, end: BinlogPoint | null): boolean {
      const at = copied.get(table)
      if (!at) return false
      if (end) return comparePositions(end, at) <= 0
      return boundary.file === at.file && boundary.position < at.position
    },
    /** Called with the end of every transaction (and DDL) dispatched. */
    passed(end: BinlogPoint): void {
      boundary = end
    },
    get active(): boolean {
      return copied.size > 0
    },
  }
}

export type CopyFilter = ReturnType<typeof createCopyFilter>
