/**
 * Safe mode (the seed's behaviour): while it is on, INSERT is applied as REPLACE and UPDATE as DELETE + REPLACE,
 * so replaying changes the target may already have is idempotent for tables with a primary key or NOT NULL unique
 * key. It is on for 60 s after any start that follows an abrupt stop (crash, kill, lost connection), until a given
 * binlog position is passed (a resumed existing-data copy, a transaction that hit a duplicate key, a stop inside a
 * large transaction), and on demand; a large transaction begun in safe mode keeps it to its end.
 */
export interface BinlogPoint {
  file: string
  position: number
}

/** Orders binlog positions: by the file's numeric suffix (`binlog.000012`), then by offset. */
export function comparePositions(a: BinlogPoint, b: BinlogPoint): number {
  if (a.file !== b.file) {
    const na = Number(/(\d+)$/.exec(a.file)?.[1] ?? NaN)
    const nb = Number(/(\d+)$/.exec(b.file)?.[1] ?? NaN)
    if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb
    return a.file < b.file ? -1 : 1
  }
  return a.position - b.position
}

export interface SafeMode {
  /** Whether a transaction ending at `end` (null: not yet known, part of a large one) is applied idempotently. */
  appliesTo(end: BinlogPoint | null, now?: number): boolean
  enableFor(ms: number, reason: string, now?: number): void
  enableUntil(position: BinlogPoint, reason: string): void
  /** Why it is on now, or null when it is off. */
  reason(now?: number): string | null
}

export function createSafeMode(options: { always?: boolean } = {}): SafeMode {
  let until = 0
  let timedReason = ''
  let untilPosition: BinlogPoint | null = null
  let positionReason = ''
  // The last answer was yes for a part of a transaction whose end is not read yet.
  let midTransaction = false
  const decide = (end: BinlogPoint | null, now: number): boolean => {
    // A transaction begun in safe mode stays in it to its end: its first parts may be on the target already.
    if (options.always || now < until || midTransaction) return true
    if (!untilPosition) return false
    // A part of a large transaction does not know its end yet: idempotent is the safe answer.
    if (end === null || comparePositions(end, untilPosition) <= 0) return true
    untilPosition = null
    return false
  }
  return {
    appliesTo(end, now = Date.now()) {
      const on = decide(end, now)
      midTransaction = on && end === null
      return on
    },
    enableFor(ms, reason, now = Date.now()) {
      if (now + ms > until) {
        until = now + ms
        timedReason = reason
      }
    },
    enableUntil(position, reason) {
      if (!untilPosition || comparePositions(position, untilPosition) > 0) {
        untilPosition = position
        positionReason = reason
      }
    },
    reason(now = Date.now()) {
      if (options.always) return 'requested for this run'
      if (now < until) return timedReason
      if (untilPosition) return positionReason
      return null
    },
  }
}
