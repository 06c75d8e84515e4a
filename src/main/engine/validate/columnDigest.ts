/**
 * How each column takes part in a chunk digest. A column is either rendered by the servers themselves
 * (`server`: an SQL expression whose text is byte-identical on MySQL, MariaDB and TiDB for the same stored value,
 * so source and target can be summed with their own aggregates), or read and normalised by Cutover (`client`):
 *
 * - FLOAT/DOUBLE are `client`: the engines print the same double differently (MariaDB `1.7976931348623157e308`,
 *   TiDB's CAST prints every digit with no exponent), and no SQL expression both share turns a double into its
 *   exact digits. Read as `col * 1e0` (exact, see columnSelection.ts) and compared as parsed doubles.
 * - JSON is `client`: TiDB keeps a binary form and prints it normalised (members sorted, its own spacing), MariaDB
 *   keeps the text as written, and they share no normalising function. Compared as parsed values.
 * - integers, BIT and YEAR as `CAST(col AS SIGNED|UNSIGNED)`: the number without display width or ZEROFILL
 *   padding (TiDB does not pad).
 * - text (CHAR, VARCHAR, TEXT, ENUM, SET) as `HEX(col)`: the stored bytes, binary-safe, whatever the collation;
 *   CHAR comes back without its trailing pad on both (`CAST(col AS BINARY)` would cut a TiDB CHAR(n) to n bytes).
 *   A charset other than utf8mb4/utf8mb3 is hexed as its utf8mb4 text: TiDB keeps latin1 text in UTF-8.
 * - binary strings and BLOBs as `HEX(col)`; DECIMAL, dates and times as the server prints them (the same digits,
 *   scale and fractional seconds on both, sessions in UTC, zero dates as `0000-00-00`).
 * Generated columns are left out: the target computes them itself, as the copy leaves them to it.
 */
import { quoteIdentifier } from '../vocabulary/identifierQuoting'
import type { ColumnInfo } from '../vocabulary/columnCatalog'

export type DigestKind = 'integer' | 'unsigned' | 'decimal' | 'temporal' | 'text' | 'binary' | 'float' | 'json'

export interface DigestColumn {
  name: string
  kind: DigestKind
  /** Where the column is digested: by the servers' aggregates, or read and normalised by Cutover. */
  place: 'server' | 'client'
  /** `server`: the rendering summed by the servers; `client`: the expression the column is read with. */
  expression: string
  /**
   * What a repair statement is written from, read with character_set_results = binary: numbers as digits, dates
   * as text, text as its utf8mb4 bytes, binary strings as their bytes (see `sqlLiteral`).
   */
  read: string
}

const intTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'])
const textTypes = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'])
const temporalTypes = new Set(['date', 'datetime', 'timestamp', 'time'])
const utf8Charsets = new Set(['utf8mb4', 'utf8mb3', 'utf8'])

/** MariaDB's JSON is LONGTEXT with a json_valid() check, so a column counts as JSON when either side says it is. */
export function digestKind(
  column: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>,
  isJson = false,
): DigestKind {
  const t = column.dataType.toLowerCase()
  if (isJson || t === 'json') return 'json'
  if (t === 'float' || t === 'double' || t === 'real') return 'float'
  if (intTypes.has(t)) return column.columnType.toLowerCase().includes('unsigned') ? 'unsigned' : 'integer'
  if (t === 'bit' || t === 'year') return 'unsigned'
  if (t === 'decimal' || t === 'numeric') return 'decimal'
  if (temporalTypes.has(t)) return 'temporal'
  if (textTypes.has(t) && column.charset !== null && column.charset.toLowerCase() !== 'binary') return 'text'
  return 'binary'
}

export function digestColumn(column: Pick<ColumnInfo, 'name' | 'charset'>, kind: DigestKind): DigestColumn {
  const name = quoteIdentifier(column.name)
  const text =
    column.charset !== null && !utf8Charsets.has(column.charset.toLowerCase()) ? `CONVERT(${name} USING utf8mb4)` : name
  const server = (expression: string, read: string): DigestColumn => ({
    name: column.name,
    kind,
    place: 'server',
    expression,
    read,
  })
  const client = (read: string): DigestColumn => ({ name: column.name, kind, place: 'client', expression: read, read })
  switch (kind) {
    case 'integer':
      return server(`CAST(${name} AS SIGNED)`, `CAST(${name} AS SIGNED)`)
    case 'unsigned':
      return server(`CAST(${name} AS UNSIGNED)`, `CAST(${name} AS UNSIGNED)`)
    case 'decimal':
    case 'temporal':
      return server(name, name)
    case 'text':
      return server(`HEX(${text})`, text)
    case 'binary':
      return server(`HEX(${name})`, name)
    case 'float':
      return client(`(${name} * 1e0)`)
    case 'json':
      return client(name)
  }
}

/**
 * One row of the server-digested columns as text: `CONCAT_WS` skips NULLs, so a last part spells which columns
 * are NULL (sync-diff-inspector's form); no rendering contains the ',' separator.
 */
export function rowText(columns: readonly DigestColumn[]): string {
  const server = columns.filter((c) => c.place === 'server')
  if (server.length === 0) return "''"
  const nulls = server.map((c) => `ISNULL(${quoteIdentifier(c.name)})`).join(', ')
  return `CONCAT_WS(',', ${server.map((c) => c.expression).join(', ')}, CONCAT(${nulls}))`
}

/**
 * The aggregates of a range: its row count and the exact sum of 60 bits of each row's MD5. A sum is
 * order-independent and, unlike sync-diff-inspector's BIT_XOR, two equal rows of a table without a key do not
 * cancel out; it is exact on both engines (SUM of UNSIGNED is a DECIMAL). A second hash of each row (CRC32 beside
 * the MD5) was measured to nearly double TiDB's CPU per row (the row's text is built once per function), for no
 * check the 60-bit sum does not already make.
 */
export function digestSelect(columns: readonly DigestColumn[]): string {
  return `COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${rowText(columns)}), 1, 15), 16, 10) AS UNSIGNED)), 0) AS s`
}

/** Per-row fingerprints for comparing rows one by one: the MD5 of each server column's rendering (NULL stays NULL). */
export function rowFingerprintSelect(columns: readonly DigestColumn[]): string[] {
  return columns.map((c) => (c.place === 'server' ? `MD5(${c.expression})` : c.expression))
}
