/**
 * Compares one table: each planned chunk by its digest on both sides; a chunk whose digests differ is halved at a
 * key until a range is small enough to compare row by row.
 *
 * While the job replicates, a range is read in rounds of up to `batch` ranges: the source, then a wait until the
 * applier has passed the source's position (so the target holds at least what the source reads saw), then the
 * target, then the source again. The target is equal if it matches either source read; it differs for real only
 * where the source did not change between its two reads. A range that changed meanwhile is in flight: it is read
 * again in a later round (at most `maxRechecks` times). One wait serves a whole round, not one range.
 */
import type { RowDifference, TableValidation } from '../../../shared/domain/validation'
import { differencesKept } from '../../../shared/domain/validation'
import type { KeyValue } from '../dump/types'
import { sqlLiteral } from './cellValues'
import type { DigestColumn } from './columnDigest'
import type { Range, RangeDigest, RangeRow, SideTable } from './rangeReader'
import { digestRange, readRows, readRowsForRepair, splitKey } from './rangeReader'
import type { RepairSink } from './repairSql'

/** Whether the job replicates now, and a wait until the target has applied what the source holds at this moment. */
export interface InFlightGuard {
  active(): boolean
  /** Resolves true once the applier has passed the source's current position, false if it did not in time. */
  settle(signal: AbortSignal): Promise<boolean>
}

export interface TableValidatorOptions {
  source: SideTable
  target: SideTable
  chunks: Range[]
  /** Ranges with at most this many rows (on either side) are compared row by row. */
  leafRows: number
  /** How many times a range that changed while it was read is read again, while the job replicates. */
  maxRechecks: number
  guard: InFlightGuard
  repair: RepairSink
  signal: AbortSignal
  /** A planned chunk is done (for progress). */
  onChunk(rows: number): void
  /** A difference was found (for progress). */
  onDifference(): void
}

export type TableOutcome = Pick<
  TableValidation,
  'status' | 'sourceRows' | 'targetRows' | 'missing' | 'extra' | 'different' | 'differences' | 'rechecks' | 'notes'
>

interface Work {
  range: Range
  /** A planned chunk (counted in the table's rows and progress once settled), not a half of one. */
  top: boolean
  attempts: number
  /** Still changing on the source after the last re-check (a table without a key is then reported as unsettled). */
  unsettled?: boolean
}

/** Ranges read per round: a round's source reads all come before its one wait for the applier. */
const batch = 32
/** Rows per side a row-by-row round holds in memory (three reads of each range: source, target, source). */
const roundRows = 8192

const sameDigest = (a: RangeDigest, b: RangeDigest) => a.rows === b.rows && a.sum === b.sum
export const sameRow = (a: RangeRow | undefined, b: RangeRow | undefined) =>
  a === undefined || b === undefined ? a === b : a.cells.every((c, i) => c === b.cells[i])

async function eachIn<T, R>(items: T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (const item of items) out.push(await read(item))
  return out
}

export async function validateTable(options: TableValidatorOptions): Promise<TableOutcome> {
  const { source, target, guard, signal } = options
  const outcome: TableOutcome = {
    status: 'equal',
    sourceRows: 0,
    targetRows: 0,
    missing: 0,
    extra: 0,
    different: 0,
    differences: [],
    rechecks: 0,
    notes: [],
  }
  let inFlightRows = 0
  const leafBatch = Math.max(1, Math.floor(roundRows / Math.max(1, options.leafRows)))

  /**
   * Reads `ranges` on both sides: the source (twice, around the target, while the job replicates) and the target.
   * The first round over the planned chunks is read side by side without waiting: most chunks are equal.
   */
  async function readRound<R>(ranges: Range[], read: (side: SideTable, range: Range) => Promise<R>, settle: boolean) {
    if (!settle) {
      const [before, after] = await Promise.all([
        eachIn(ranges, (r) => read(source, r)),
        eachIn(ranges, (r) => read(target, r)),
      ])
      return { before, after, again: before }
    }
    const before = await eachIn(ranges, (r) => read(source, r))
    await guard.settle(signal)
    const after = await eachIn(ranges, (r) => read(target, r))
    const again = await eachIn(ranges, (r) => read(source, r))
    return { before, after, again }
  }

  function record(kind: RowDifference['kind'], row: RangeRow, columns: string[]): void {
    if (kind === 'missing') outcome.missing++
    else if (kind === 'extra') outcome.extra++
    else outcome.different++
    options.onDifference()
    if (outcome.differences.length >= differencesKept) return
    outcome.differences.push({ kind, key: displayKey(source.keyColumns, row.keyCells), columns })
  }

  const settleTop = (work: Work, s: RangeDigest, t: RangeDigest) => {
    if (!work.top) return
    outcome.sourceRows += s.rows
    outcome.targetRows += t.rows
    options.onChunk(s.rows)
  }

  /**
   * Digest rounds until every range is equal or has been split into ranges small enough for rows. A planned chunk's
   * first read is side by side without waiting (most chunks are equal); every other read, while the job
   * replicates, is a settled round.
   */
  async function compareRanges(first: Work[]): Promise<Work[]> {
    const leaves: Work[] = []
    const fresh = (w: Work) => w.top && w.attempts === 0
    let queue = first
    while (queue.length > 0) {
      signal.throwIfAborted()
      const kind = fresh(queue[0]!)
      const round: Work[] = []
      const rest: Work[] = []
      for (const w of queue) (fresh(w) === kind && round.length < batch ? round : rest).push(w)
      queue = rest
      const settle = !kind && guard.active()
      if (settle) outcome.rechecks += round.length
      const { before, after, again } = await readRound(
        round.map((w) => w.range),
        digestRange,
        settle,
      )
      for (const [i, work] of round.entries()) {
        const [s, t, s2] = [before[i]!, after[i]!, again[i]!]
        if (sameDigest(s, t) || sameDigest(s2, t)) {
          settleTop(work, s, t)
          continue
        }
        // Replicating: a first mismatch may be lag; a source that changed between its two reads is in flight.
        const inFlight = guard.active() && (!settle || !sameDigest(s, s2))
        if (inFlight && work.attempts < options.maxRechecks) {
          queue.push({ ...work, attempts: work.attempts + 1 })
          continue
        }
        settleTop(work, s, t)
        const leaf: Work = { range: work.range, top: false, attempts: 0, unsettled: inFlight }
        if (!source.key || Math.max(s.rows, t.rows) <= options.leafRows) {
          leaves.push(leaf)
          continue
        }
        // Halved where the side with more rows has its middle key, so both halves shrink.
        const split =
          s.rows >= t.rows ? await splitKey(source, work.range, s.rows) : await splitKey(target, work.range, t.rows)
        if (split === null || sameBound(split, work.range.upper)) {
          leaves.push(leaf)
          continue
        }
        queue.push({ range: { lower: work.range.lower, upper: split }, top: false, attempts: 0 })
        queue.push({ range: { lower: split, upper: work.range.upper }, top: false, attempts: 0 })
      }
    }
    return leaves
  }

  /** Row-by-row rounds over small ranges; rows that changed on the source while being read are in flight. */
  async function compareRows(first: Work[]): Promise<void> {
    let queue = first
    while (queue.length > 0) {
      signal.throwIfAborted()
      const round = queue.slice(0, leafBatch)
      queue = queue.slice(leafBatch)
      const settle = guard.active()
      if (settle) outcome.rechecks += round.length
      const { before, after, again } = await readRound(
        round.map((w) => w.range),
        readRows,
        settle,
      )
      for (const [i, work] of round.entries()) {
        const [a, b, a2] = [before[i]!, after[i]!, again[i]!]
        const keys = new Set([...a.keys(), ...b.keys(), ...a2.keys()])
        const differing: string[] = []
        let unstable = 0
        for (const key of keys) {
          const [x, y, x2] = [a.get(key), b.get(key), a2.get(key)]
          if (sameRow(x, y) || sameRow(x2, y)) continue
          if (sameRow(x, x2)) differing.push(key)
          else unstable++
        }
        if (unstable > 0 && work.attempts < options.maxRechecks) {
          queue.push({ ...work, attempts: work.attempts + 1 })
          continue
        }
        inFlightRows += unstable
        await report(differing.sort(), a2, b)
      }
    }
  }

  async function report(keys: string[], a: Map<string, RangeRow>, b: Map<string, RangeRow>): Promise<void> {
    const replace: RangeRow[] = []
    const remove: RangeRow[] = []
    for (const key of keys) {
      const x = a.get(key)
      const y = b.get(key)
      if (x && !y) {
        record('missing', x, [])
        replace.push(x)
      } else if (!x && y) {
        record('extra', y, [])
        remove.push(y)
      } else if (x && y) {
        record('different', x, differingColumns(x, y, source.columns))
        replace.push(x)
      }
    }
    if (remove.length > 0)
      options.repair.delete(
        target,
        remove.map((r) => r.keyCells),
      )
    for (let i = 0; i < replace.length; i += 100) {
      const keyCells = replace.slice(i, i + 100).map((r) => r.keyCells)
      options.repair.replace(source, await readRowsForRepair(source, keyCells, (cell, c) => sqlLiteral(cell, c.kind)))
    }
  }

  const planned = source.key ? options.chunks : [{ lower: null, upper: null }]
  const leaves = await compareRanges(planned.map((range) => ({ range, top: true, attempts: 0 })))
  if (!source.key) {
    // One count and checksum for the whole table: a difference cannot be located, so no row is listed.
    if (leaves.length > 0) {
      const unsettled = leaves.some((l) => l.unsettled)
      outcome.status = unsettled ? 'unsettled' : 'different'
      outcome.notes.push(
        unsettled
          ? `Count and checksum differed at every re-check while the job replicated writes into the table (source ${outcome.sourceRows} rows, target ${outcome.targetRows}): no consistent point was found to tell a difference from rows in flight. Validate it again when writes pause.`
          : `Count and checksum differ (source ${outcome.sourceRows} rows, target ${outcome.targetRows}); the differing rows cannot be located, so no repair SQL is written for them.`,
      )
    }
    return outcome
  }
  for (let i = 0; i < leaves.length; i += leafBatch) await compareRows(leaves.slice(i, i + leafBatch))
  if (inFlightRows > 0) {
    outcome.notes.push(
      `${inFlightRows} rows changed on the source at every re-check while the job replicated them; they were in flight, not compared.`,
    )
  }
  if (outcome.missing + outcome.extra + outcome.different > 0) outcome.status = 'different'
  return outcome
}

export function differingColumns(x: RangeRow, y: RangeRow, columns: DigestColumn[]): string[] {
  return columns.filter((_, i) => x.cells[i] !== y.cells[i]).map((c) => c.name)
}

function sameBound(a: KeyValue[], b: KeyValue[] | null): boolean {
  if (b === null) return false
  return a.every((v, i) => {
    const w = b[i]
    return Buffer.isBuffer(v) && Buffer.isBuffer(w) ? v.equals(w) : String(v) === String(w)
  })
}

/** A key as text for people: binary values as 0x…, text as itself. */
export function displayKey(columns: DigestColumn[], cells: (Buffer | null)[]): Record<string, string> {
  const key: Record<string, string> = {}
  columns.forEach((c, i) => {
    const cell = cells[i] ?? null
    key[c.name] = cell === null ? 'NULL' : c.kind === 'binary' ? `0x${cell.toString('hex')}` : cell.toString('utf8')
  })
  return key
}
