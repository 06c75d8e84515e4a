/**
 * Which tables physical mode writes with the logical writer instead, and why.
 *
 * TiDB's LOAD DATA parses DATE and DATETIME fields strictly whatever the session's sql_mode: a zero month or day
 * (`2020-00-15`, `2020-05-00`, `2020-00-00`) or a day past the month's end (`2020-02-30`, kept by a source with
 * ALLOW_INVALID_DATES) is stored as `0000-00-00` with warning 1292, even without NO_ZERO_IN_DATE and with
 * ALLOW_INVALID_DATES; `0000-00-00` itself (with any time) loads as it is. Its prepared REPLACE follows the
 * sql_mode and keeps them all (measured on TiDB v8.4, unistore). So on a TiDB target the LOAD DATA encoder looks
 * at each date cell on its way (a few digits compared) and the first such value stops the chunk before it is sent:
 * the chunk is rolled back and written with the logical writer, and so is every later chunk of the table. Tables
 * without such values keep LOAD DATA; the warning check (targetWarnings.ts) stays the net for anything else.
 */
import type { LogLevel } from '../../../shared/domain/events'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { CellCheck } from './rowEncoders'

/** A cell the target's LOAD DATA would store as another value; the chunk is to be written another way. */
export class LoadDataAltersValue extends Error {
  constructor(
    readonly column: string,
    readonly value: string,
  ) {
    super(`LOAD DATA would not store ${column} = '${value}' as it is`)
    this.name = 'LoadDataAltersValue'
  }
}

const digits = (src: Buffer, at: number, count: number): number => {
  let n = 0
  for (let i = 0; i < count; i++) n = n * 10 + (src[at + i]! - 0x30)
  return n
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Whether TiDB's LOAD DATA changes the DATE / DATETIME / TIMESTAMP text `src[start..end)` (the server's
 * `YYYY-MM-DD[ hh:mm:ss[.ffffff]]`): a zero month or day in a date that is not all zero, or a day the month lacks.
 */
export function tidbLoadDataAltersDate(src: Buffer, start: number, end: number): boolean {
  if (end - start < 10) return false
  const year = digits(src, start, 4)
  const month = digits(src, start + 5, 2)
  const day = digits(src, start + 8, 2)
  if (month === 0 || day === 0) return year !== 0 || month !== 0 || day !== 0
  return day > daysInMonth(year, month)
}

const dateTypes = new Set(['date', 'datetime', 'timestamp'])

/** The LOAD DATA encoder's check for a TiDB target: date columns stop at a value TiDB's LOAD DATA would change. */
export function tidbLoadDataCheck(column: ColumnInfo): CellCheck | null {
  if (!dateTypes.has(column.dataType.toLowerCase())) return null
  return (src, start, end) => {
    if (tidbLoadDataAltersDate(src, start, end))
      throw new LoadDataAltersValue(column.name, src.toString('latin1', start, end))
  }
}

export interface LoadRouting {
  /** The table's chunks go through the logical writer. */
  isLogical(table: TableRef): boolean
  /** From now on they do, because `reason`; logged once per table (LOAD_ROUTED_LOGICAL). */
  routeLogical(table: TableRef, reason: LoadDataAltersValue): void
}

/** One job's routing, shared by its writers. */
export function createLoadRouting(
  log: (level: LogLevel, message: string, code?: string) => void = () => undefined,
): LoadRouting {
  const logical = new Set<string>()
  const key = (table: TableRef) => JSON.stringify([table.schema, table.name])
  return {
    isLogical: (table) => logical.has(key(table)),
    routeLogical(table, reason) {
      if (logical.has(key(table))) return
      logical.add(key(table))
      log(
        'info',
        `${table.schema}.${table.name} holds ${reason.column} = '${reason.value}', which the target's LOAD DATA would store as a zero date: its chunks are written with the logical writer (prepared REPLACE), which keeps it.`,
        'LOAD_ROUTED_LOGICAL',
      )
    },
  }
}
