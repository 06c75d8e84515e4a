/**
 * Exact reference encoders: the tab-separated stream behind `LOAD DATA LOCAL INFILE` (physical mode; the hot path
 * is rowEncoders.ts, checked against these) and SQL literals (the incremental stage's statements). Logical mode's
 * existing-data copy needs no encoding: preparedBatches.ts passes the server's own bytes as parameters.
 *
 * Contract with the reader (what values arrive here):
 * - NULL is `null`; nothing else means NULL (an empty string or Buffer is an empty value, the string `\N` is text).
 * - Text, binary, temporal, ENUM/SET, JSON and spatial cells are best read as Buffers holding the column's own bytes:
 *   a mysql2 `typeCast` returning `field.buffer()` on a session with `SET character_set_results = binary`. Without
 *   that setting the server converts text to the connection charset first (a latin1 `é` arrives as C3 A9 and would be
 *   loaded as two characters — seen on MariaDB 10.11). A JS string is accepted
 *   for utf8/utf8mb3/utf8mb4 columns (and ASCII-only strings for ascii/latin1) and written as UTF-8.
 * - Numbers: integers as digit strings, bigint or safe JS integers; DECIMAL as digit strings (a JS number would
 *   already have rounded it); FLOAT/DOUBLE as the server's text (the reader selects FLOAT as `col * 1e0`, see
 *   dump/columnSelection.ts) or a JS number, which `String()` renders as the shortest text that round-trips.
 * - BIT as the Buffer mysql2 returns (big-endian bytes), or a non-negative integer.
 * - JSON as text bytes, never a parsed object.
 * - Zero dates (`0000-00-00`) are passed as text; the target session must not have NO_ZERO_DATE/NO_ZERO_IN_DATE.
 *
 * SQL literals use backslash escapes, so the target session must not have NO_BACKSLASH_ESCAPES in sql_mode, and the
 * statement is sent as UTF-8 (connection charset utf8mb4); everything but `_utf8mb4'…'` text is pure ASCII.
 */
import { CutoverError } from '../../../shared/domain/errors'
import { copiedColumns } from '../dump/columnSelection'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { KeyValue } from '../dump/types'
import type { TableRef } from '../vocabulary/tableRef'

export type CellValue = KeyValue

export type ValueKind = 'integer' | 'decimal' | 'float' | 'bit' | 'json' | 'text' | 'binary' | 'temporal' | 'other'

const kindsByDataType: Record<string, ValueKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  'double precision': 'float',
  bit: 'bit',
  json: 'json',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  date: 'temporal',
  datetime: 'temporal',
  timestamp: 'temporal',
  time: 'temporal',
  year: 'temporal',
}

/**
 * `derive` computed once per column object (column objects are never mutated: a schema change makes new ones), for
 * the per-value hot paths that need a column's kind, charset class or collation class.
 */
export function perColumn<T extends NonNullable<unknown>>(
  derive: (column: ColumnInfo) => T,
): (column: ColumnInfo) => T {
  const memo = new WeakMap<ColumnInfo, T>()
  return (column) => {
    let value = memo.get(column)
    if (value === undefined) memo.set(column, (value = derive(column)))
    return value
  }
}

export const kindOf: (column: ColumnInfo) => ValueKind = perColumn(
  (column) => kindsByDataType[column.dataType.toLowerCase()] ?? 'other',
)

const integerText = /^[+-]?\d+$/
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

// ---------------------------------------------------------------------------------------------------------------
// LOAD DATA

/**
 * The stream's format: `FIELDS TERMINATED BY '\t' ENCLOSED BY 0xFF ESCAPED BY ''`, lines ended by '\n'.
 * - Numbers, BIT (as its unsigned value) and dates/times go bare: their text never holds a tab, a newline or 0xFF.
 * - Every other value is enclosed in 0xFF bytes, with a 0xFF inside doubled. 0xFF never occurs in UTF-8 text, so
 *   text (JSON included) is copied as it is; only binary and single-byte-charset values can need the doubling.
 *   Inside the quotes every other byte (tab, newline, backslash, NUL) stands for itself: there is no escape byte.
 * - NULL is the bare word NULL; the enclosed word NULL is text, and two quotes are the empty value.
 * Compared with backslash escapes, nothing has to be looked up byte by byte, and the target parses it with less CPU.
 */
export const loadDataQuote = 0xff
const nullField = Buffer.from('NULL', 'latin1')
const temporalText = /^[0-9 :.+-]*$/

/** Kinds whose text goes bare: never a tab, newline or quote byte in it, never the word NULL. */
export function loadsBare(kind: ValueKind): boolean {
  return kind === 'integer' || kind === 'decimal' || kind === 'float' || kind === 'bit' || kind === 'temporal'
}

/**
 * One field of the stream read by `buildLoadDataStatement`'s statement. A bare value's Buffer is returned as it
 * is, so a number copies nothing.
 */
export function encodeLoadDataField(value: CellValue, column: ColumnInfo): Buffer {
  if (value === null) return nullField
  const bytes = fieldBytes(value, column)
  const kind = kindOf(column)
  if (!loadsBare(kind)) return enclose(bytes)
  if (kind === 'temporal' && !temporalText.test(bytes.toString('latin1'))) {
    throw unsupported(column, `"${bytes.toString('latin1')}" is not a date/time value`)
  }
  return bytes
}

/** A whole line: the fields of `copiedColumns` order joined by tabs, ended by a newline. */
export function encodeRow(values: readonly CellValue[], columns: readonly ColumnInfo[]): Buffer {
  if (values.length !== columns.length) {
    throw new Error(`a row has ${values.length} values for ${columns.length} columns`)
  }
  const parts: Buffer[] = []
  columns.forEach((column, i) => {
    if (column.generated !== 'no') throw new Error(`generated column ${column.name} is not loaded; use copiedColumns`)
    if (i > 0) parts.push(tab)
    parts.push(encodeLoadDataField(values[i] ?? null, column))
  })
  parts.push(newline)
  return Buffer.concat(parts)
}
const tab = Buffer.from('\t')
const newline = Buffer.from('\n')

export interface LoadDataOptions {
  /** What the target does with a row whose key exists: fail (default; physical mode loads empty tables), replace, ignore. */
  duplicates?: 'error' | 'replace' | 'ignore'
  /** The name the LOCAL INFILE handler is asked for; the client streams our Buffers whatever it is. */
  fileName?: string
}

/**
 * The statement matching `encodeRow`'s stream. Generated columns are left out (the target computes them). Columns
 * whose stream text is not their stored form go through a user variable: BIT (LOAD DATA stores a field into BIT as
 * its bytes, so the stream carries the number and `CAST(… AS UNSIGNED)` turns it back), and JSON (MySQL refuses
 * to build JSON from a `binary` string, which is what `CHARACTER SET binary` makes every field).
 */
export function buildLoadDataStatement(
  table: TableRef,
  columns: readonly ColumnInfo[],
  options: LoadDataOptions = {},
): string {
  const loaded = copiedColumns(columns)
  if (loaded.length === 0) throw new Error(`${table.schema}.${table.name} has no columns to load`)
  const targets: string[] = []
  const sets: string[] = []
  loaded.forEach((column, i) => {
    const kind = kindOf(column)
    if (kind !== 'bit' && kind !== 'json') {
      targets.push(quoteIdentifier(column.name))
      return
    }
    const variable = `@c${i + 1}`
    targets.push(variable)
    const conversion = kind === 'bit' ? `CAST(${variable} AS UNSIGNED)` : `CONVERT(${variable} USING utf8mb4)`
    sets.push(`${quoteIdentifier(column.name)} = ${conversion}`)
  })
  const fileName = (options.fileName ?? 'cutover-stream.tsv').replace(/[^A-Za-z0-9_.-]/g, '_')
  const duplicates = { error: '', replace: ' REPLACE', ignore: ' IGNORE' }[options.duplicates ?? 'error']
  return (
    `LOAD DATA LOCAL INFILE '${fileName}'${duplicates} INTO TABLE ${quoteTable(table)} CHARACTER SET binary` +
    ` FIELDS TERMINATED BY '\\t' ENCLOSED BY 0x${loadDataQuote.toString(16)} ESCAPED BY ''` +
    ` LINES STARTING BY '' TERMINATED BY '\\n'` +
    ` (${targets.join(', ')})` +
    (sets.length > 0 ? ` SET ${sets.join(', ')}` : '')
  )
}

function enclose(bytes: Buffer): Buffer {
  let quotes = 0
  for (const b of bytes) if (b === loadDataQuote) quotes += 1
  const out = Buffer.allocUnsafe(bytes.length + quotes + 2)
  let o = 0
  out[o++] = loadDataQuote
  for (const b of bytes) {
    out[o++] = b
    if (b === loadDataQuote) out[o++] = b
  }
  out[o] = loadDataQuote
  return out
}

/** The bytes of a non-NULL field, before enclosing. */
function fieldBytes(value: Exclude<CellValue, null>, column: ColumnInfo): Buffer {
  switch (kindOf(column)) {
    case 'integer':
      return Buffer.from(integerLiteral(value, column), 'latin1')
    case 'decimal':
      return Buffer.from(decimalLiteral(value, column), 'latin1')
    case 'float':
      return Buffer.from(floatText(value, column), 'latin1')
    case 'bit':
      return Buffer.from(bitValue(value, column).toString(10), 'latin1')
    default:
      return Buffer.isBuffer(value) ? value : Buffer.from(textOf(value, column), 'utf8')
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SQL literals

/** One value of a multi-row INSERT/REPLACE, exact for every type (see the contract at the top of this file). */
export function encodeSqlLiteral(value: CellValue, column: ColumnInfo): string {
  if (value === null) return 'NULL'
  switch (kindOf(column)) {
    case 'integer':
      return integerLiteral(value, column)
    case 'decimal':
      return decimalLiteral(value, column)
    case 'float': {
      // An `e` exponent makes it an approximate-value (DOUBLE) literal: parsed once, correctly rounded, keeping -0
      // (`-0` alone is integer zero negated, which is +0), rather than an exact DECIMAL literal converted later.
      const text = floatText(value, column)
      return /[eE]/.test(text) ? text : `${text}e0`
    }
    case 'bit':
      return `b'${bitValue(value, column).toString(2)}'`
    case 'json':
      return Buffer.isBuffer(value)
        ? `CONVERT(${hexLiteral(value)} USING utf8mb4)`
        : `_utf8mb4'${escapeSqlText(textOf(value, column))}'`
    case 'text':
    case 'other':
      // A hex literal is a binary string; assigning it to a text column keeps its bytes (no charset conversion).
      return Buffer.isBuffer(value) ? hexLiteral(value) : `_utf8mb4'${escapeSqlText(textOf(value, column))}'`
    case 'binary':
      return hexLiteral(Buffer.isBuffer(value) ? value : Buffer.from(textOf(value, column), 'utf8'))
    case 'temporal': {
      const text = Buffer.isBuffer(value) ? value.toString('latin1') : textOf(value, column)
      if (!/^[0-9 :.+-]*$/.test(text)) throw unsupported(column, `"${text}" is not a date/time value`)
      return `'${text}'`
    }
  }
}

function hexLiteral(bytes: Buffer): string {
  return `X'${bytes.toString('hex')}'`
}

const sqlTextEscapes: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
}

function escapeSqlText(text: string): string {
  // eslint-disable-next-line no-control-regex -- these control bytes are exactly what MySQL string literals escape
  return text.replace(/[\\'\0\n\r\x1a]/g, (c) => sqlTextEscapes[c] ?? c)
}

// ---------------------------------------------------------------------------------------------------------------
// Per-type value checks shared by both paths

function numericText(value: Exclude<CellValue, null>): string | null {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('latin1')
  return null
}

function integerLiteral(value: Exclude<CellValue, null>, column: ColumnInfo): string {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw unsupported(column, `${value} is not an exact integer`)
    return String(value)
  }
  const text = numericText(value)
  if (text === null || !integerText.test(text)) throw unsupported(column, `"${String(text)}" is not an integer`)
  return text
}

function decimalLiteral(value: Exclude<CellValue, null>, column: ColumnInfo): string {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    // A JS number may already have rounded the decimal, so only integers are taken on trust.
    if (!Number.isSafeInteger(value)) throw unsupported(column, `${value} may have lost digits; read DECIMAL as text`)
    return String(value)
  }
  const text = numericText(value)
  if (text === null || !numberText.test(text)) throw unsupported(column, `"${String(text)}" is not a decimal number`)
  return text
}

function floatText(value: Exclude<CellValue, null>, column: ColumnInfo): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw unsupported(column, `${value} cannot be stored in MySQL or TiDB`)
    return Object.is(value, -0) ? '-0' : String(value)
  }
  if (typeof value === 'bigint') return value.toString()
  const text = numericText(value)
  if (text === null || !numberText.test(text)) throw unsupported(column, `"${String(text)}" is not a number`)
  return text
}

function bitValue(value: Exclude<CellValue, null>, column: ColumnInfo): bigint {
  if (Buffer.isBuffer(value)) return value.length === 0 ? 0n : BigInt(`0x${value.toString('hex')}`)
  if (typeof value === 'bigint' && value >= 0n) return value
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  throw unsupported(column, 'BIT values must be read as bytes or a non-negative integer')
}

const unicodeCharsets = new Set(['utf8', 'utf8mb3', 'utf8mb4'])

function textOf(value: Exclude<CellValue, null>, column: ColumnInfo): string {
  if (typeof value !== 'string') {
    if (typeof value === 'object' && !Buffer.isBuffer(value)) {
      throw unsupported(column, 'objects (parsed JSON, Date, geometry) are not exact; read the column as bytes')
    }
    return String(value)
  }
  // A lone surrogate would silently become U+FFFD in UTF-8.
  if (!value.isWellFormed()) throw unsupported(column, 'the string is not well-formed Unicode')
  // A JS string is Unicode; written as UTF-8 it is only the column's own bytes in a Unicode charset (or pure ASCII).
  // eslint-disable-next-line no-control-regex -- "pure ASCII" includes the control range
  if (asciiOnly(column) && !/^[\x00-\x7f]*$/.test(value)) {
    throw unsupported(column, `a ${column.charset} column must be read as bytes, not as a decoded string`)
  }
  return value
}

/** Whether a string value of the column must be pure ASCII: a non-Unicode charset, not a temporal column. */
const asciiOnly = perColumn((column) => {
  const charset = column.charset?.toLowerCase() ?? null
  return charset !== null && !unicodeCharsets.has(charset) && kindOf(column) !== 'temporal'
})

function unsupported(column: ColumnInfo, why: string): CutoverError {
  return new CutoverError({
    code: 'LOAD_VALUE_UNSUPPORTED',
    message: `Column ${column.name} (${column.columnType}): ${why}.`,
    workaround: 'This is a Cutover defect in how the column is read; report it with the column type.',
    stage: 'existing',
  })
}
