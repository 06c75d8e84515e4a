/**
 * latin1 text on a TiDB target. TiDB's latin1 columns hold UTF-8 text and are measured in characters: `'é'` written
 * over a utf8mb4 connection is stored as C3 A9, and a binary E9 is stored as the one byte E9, which every UTF-8
 * reader (and TiDB's own CONVERT) sees as an invalid character. So a latin1 value goes to a TiDB target as its UTF-8
 * form: the copy reads it with `CONVERT(col USING utf8mb4)`, the incremental stage transcodes binlog bytes with
 * `latin1ToUtf8`. MySQL and MariaDB targets keep latin1's own bytes.
 */
import type { ColumnInfo } from '../vocabulary/columnCatalog'

/**
 * MySQL/MariaDB latin1 is cp1252, with the five bytes cp1252 leaves undefined (81 8D 8F 90 9D) mapped to the C1
 * controls of the same number, as the servers' own latin1 → Unicode table does.
 */
const high = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
]

/** Pure ASCII comes back as the same buffer; anything else as the UTF-8 of its latin1 characters. */
export function latin1ToUtf8(bytes: Buffer): Buffer {
  let ascii = true
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false
      break
    }
  }
  if (ascii) return bytes
  let text = ''
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    text += String.fromCharCode(b >= 0x80 && b < 0xa0 ? high[b - 0x80]! : b)
  }
  return Buffer.from(text, 'utf8')
}

/** Whether a column's text must reach this target as UTF-8 rather than as latin1 bytes. */
export function needsUtf8Text(column: Pick<ColumnInfo, 'charset'>, targetIsTidb: boolean): boolean {
  return targetIsTidb && column.charset?.toLowerCase() === 'latin1'
}

/** The columns of a table as a TiDB target needs them read: latin1 text converted to utf8mb4 by the source. */
export function readForTarget<T extends { columns: ColumnInfo[] }>(shape: T, targetIsTidb: boolean): T {
  if (!shape.columns.some((c) => needsUtf8Text(c, targetIsTidb))) return shape
  return {
    ...shape,
    columns: shape.columns.map((c) => (needsUtf8Text(c, targetIsTidb) ? { ...c, readAsUtf8: true } : c)),
  }
}
