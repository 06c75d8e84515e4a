import { quoteIdentifier } from '../vocabulary/identifierQuoting'
import type { ColumnInfo } from '../vocabulary/columnCatalog'

/**
 * The columns whose values are copied: generated columns (virtual and stored) are recomputed by the target, and
 * MySQL/TiDB reject explicit values for them.
 */
export function copiedColumns(columns: readonly ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => c.generated === 'no')
}

/**
 * How the reader must select a column for its text-protocol value to be exact.
 *
 * FLOAT is the one type that needs help: the server prints a FLOAT cell with only 6 significant digits (MariaDB 10.11
 * shows 1234567 as `1234570`, 16777215 as `16777200`; MySQL's `my_gcvt(…, MY_GCVT_ARG_FLOAT, …)` caps at FLT_DIG too),
 * and float32 needs up to 9. `col * 1e0` widens the float to DOUBLE without rounding (every float32 is a double,
 * multiplying by 1 is exact and keeps the sign of -0), and the server prints DOUBLE as the shortest string that
 * round-trips (`0.1` stored in FLOAT comes back as `0.10000000149011612`). Reinserting that text into a FLOAT column
 * parses it to the same double and narrows it back to the same float32. DOUBLE itself needs nothing.
 * `CAST(col AS CHAR)` and `CONCAT(col)` are NOT exact: they use the 6-digit FLOAT formatting.
 *
 * A column marked `readAsUtf8` is read as its utf8mb4 text (every latin1 byte has a character, so nothing is lost).
 */
export function selectExpression(column: ColumnInfo): string {
  const name = quoteIdentifier(column.name)
  if (column.dataType === 'float') return `(${name} * 1e0) AS ${name}`
  if (column.readAsUtf8) return `CONVERT(${name} USING utf8mb4) AS ${name}`
  return name
}
