/**
 * Makes zongji decode each row exactly, against the job's schema history rather than the live server:
 * - under binlog_row_metadata=NO_LOG the column definitions zongji decodes with come from the tracked schema at
 *   this binlog position (see binlogReader's `_fetchTableInfo` override), never from information_schema;
 * - under FULL the TableMap's own column names must match the tracked ones, or the job stops;
 * - in both modes zongji is steered to hand over values the writer can reproduce byte for byte: text as its
 *   stored bytes (no charset round trip), ENUM and SET as their index / bit mask (their labels may contain
 *   commas and quotes: toolchain.md §7.4), YEAR 0 as 0000 (zongji adds 1900 to every stored byte), geometry as
 *   its stored bytes.
 * Values then arrive as an array in table-definition order (ordinal, never by name).
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { CellValue } from '../load/valueEncoding'
import { encodeSqlLiteral } from '../load/valueEncoding'
import type { BinlogColumn, RowImageDecoder } from './rowImageDecoder'
import { compileRowImageDecoder } from './rowImageDecoder'
import type { TrackedTable } from './schemaTracker'

/** MySQL protocol type codes (include/mysql_com.h enum_field_types). */
const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  BLOB_COMPRESSED: 140,
  VARCHAR_COMPRESSED: 141,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const

type Family =
  'int' | 'float' | 'decimal' | 'temporal' | 'string' | 'blob' | 'enum' | 'set' | 'bit' | 'json' | 'geometry'

function binlogFamily(code: number): Family | null {
  switch (code) {
    case T.TINY:
    case T.SHORT:
    case T.LONG:
    case T.LONGLONG:
    case T.INT24:
      return 'int'
    case T.FLOAT:
    case T.DOUBLE:
      return 'float'
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return 'decimal'
    case T.TIMESTAMP:
    case T.DATE:
    case T.TIME:
    case T.DATETIME:
    case T.YEAR:
    case T.NEWDATE:
    case T.TIMESTAMP2:
    case T.DATETIME2:
    case T.TIME2:
      return 'temporal'
    case T.VARCHAR:
    case T.VAR_STRING:
    case T.STRING:
    case T.VARCHAR_COMPRESSED:
      return 'string'
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.BLOB_COMPRESSED:
      return 'blob'
    case T.ENUM:
      return 'enum'
    case T.SET:
      return 'set'
    case T.BIT:
      return 'bit'
    case T.JSON:
      return 'json'
    case T.GEOMETRY:
      return 'geometry'
    default:
      return null
  }
}

const trackedFamilies: Record<string, Family> = {
  tinyint: 'int',
  smallint: 'int',
  mediumint: 'int',
  int: 'int',
  bigint: 'int',
  float: 'float',
  double: 'float',
  decimal: 'decimal',
  date: 'temporal',
  datetime: 'temporal',
  timestamp: 'temporal',
  time: 'temporal',
  year: 'temporal',
  char: 'string',
  varchar: 'string',
  binary: 'string',
  varbinary: 'string',
  uuid: 'string',
  inet4: 'string',
  inet6: 'string',
  tinytext: 'blob',
  text: 'blob',
  mediumtext: 'blob',
  longtext: 'blob',
  tinyblob: 'blob',
  blob: 'blob',
  mediumblob: 'blob',
  longblob: 'blob',
  enum: 'enum',
  set: 'set',
  bit: 'bit',
  // MariaDB's JSON is a LONGTEXT alias; MySQL's has its own binary type.
  json: 'json',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
  geomcollection: 'geometry',
}

/** zongji's shape of a TableMap cache entry (index.d.ts `TableMapEntry`), which we steer in place. */
export interface ZongjiTableEntry {
  columnSchemas: {
    COLUMN_NAME: string
    COLLATION_NAME: string | null
    CHARACTER_SET_NAME: string | null
    COLUMN_COMMENT: string
    COLUMN_TYPE: string
    UNSIGNED?: boolean
    ENUM_VALUES?: string[]
    SET_VALUES?: string[]
  }[]
  parentSchema: string
  tableName: string
  columns?: { name: string; charset: string | null; type: number; metadata: Record<string, unknown> | undefined }[]
}

/** What the reader keeps per table id: the definition rows of that id decode with. */
export interface DecodedTable {
  ref: TableRef
  /** The live history entry: its unique keys are read when the change is applied (after any DDL barrier). */
  handle: TrackedTable
  /** The columns as of this TableMap, immutable. */
  columns: ColumnInfo[]
  names: string[]
  finish: ((value: unknown) => CellValue)[]
  /** Our own decoder for the table's row images, or null where zongji must decode them (rowImageDecoder.ts). */
  fast: RowImageDecoder | null
}

/** The SQL text of a decoded value; ENUM and SET arrive as their index / bit mask. */
export function cellLiteral(value: CellValue, column: ColumnInfo): string {
  if (
    value !== null &&
    (column.dataType === 'enum' || column.dataType === 'set') &&
    (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))
  ) {
    return String(value)
  }
  return encodeSqlLiteral(value, column)
}

/** information_schema-shaped column rows from the tracked schema, for zongji's NO_LOG decode path. */
export function columnSchemasFor(table: TrackedTable): ZongjiTableEntry['columnSchemas'] {
  return table.columns.map((c) => ({
    COLUMN_NAME: c.name,
    COLLATION_NAME: c.collation,
    CHARACTER_SET_NAME: c.charset,
    COLUMN_COMMENT: '',
    COLUMN_TYPE:
      c.columnType.toLowerCase().startsWith('enum') || c.columnType.toLowerCase().startsWith('set')
        ? c.columnType
        : c.columnType.toLowerCase(),
  }))
}

/** Number of labels in `enum('a','b,c','d''e')` / `set(…)`, counting quoted strings at the top level. */
export function enumLabelCount(columnType: string): number {
  let count = 0
  let i = columnType.indexOf('(') + 1
  while (i > 0 && i < columnType.length) {
    const c = columnType[i]!
    if (c === "'") {
      count++
      i++
      for (; i < columnType.length; i++) {
        if (columnType[i] === '\\') i++
        else if (columnType[i] === "'" && columnType[i + 1] === "'") i++
        else if (columnType[i] === "'") break
      }
    }
    i++
  }
  return count
}

function mismatch(ref: TableRef, detail: string): CutoverError {
  return new CutoverError({
    code: 'REPLICATE_SCHEMA_MISMATCH',
    stage: 'incremental',
    message: `A row event for ${ref.schema}.${ref.name} does not match the job's schema history at this binlog position: ${detail}. Decoding it would put values into the wrong columns, so the job stopped.`,
    workaround:
      "This happens when the table was altered outside what the binlog shows (or before the job's start position). Start a new job from a fresh snapshot; set binlog_row_metadata=FULL on the source so every event names its columns.",
  })
}

const identity = (v: unknown) => v as CellValue

/**
 * Validates the TableMap against the tracked table and steers zongji's entry so that the rows that follow decode
 * to exact values. Throws REPLICATE_SCHEMA_MISMATCH rather than decode against the wrong definition.
 */
export function prepareTable(
  event: {
    schemaName: string
    tableName: string
    columnCount: number
    columnNames?: string[]
    hasSelfDescribingMetadata(): boolean
    _effectiveColumnType(index: number): number
  },
  entry: ZongjiTableEntry,
  tracked: TrackedTable,
): DecodedTable {
  const ref = { schema: event.schemaName, name: event.tableName }
  const columns = tracked.columns
  if (columns.length !== event.columnCount) {
    throw mismatch(
      ref,
      `column count mismatch: the binlog has ${event.columnCount} columns, the history ${columns.length} (${columns.map((c) => c.name).join(', ')})`,
    )
  }
  if (event.hasSelfDescribingMetadata() && event.columnNames) {
    event.columnNames.forEach((name, i) => {
      if (name.toLowerCase() !== columns[i]!.name.toLowerCase()) {
        throw mismatch(
          ref,
          `column ${i + 1} is ${name} in the binlog (binlog_row_metadata=FULL) but ${columns[i]!.name} in the history`,
        )
      }
    })
  }
  const zcolumns = entry.columns
  if (!zcolumns || zcolumns.length !== columns.length) throw mismatch(ref, 'zongji has no column layout for the table')
  const finish: DecodedTable['finish'] = []
  const binlogColumns: BinlogColumn[] = []
  // zongji keeps a table id's entry across transactions (NO_LOG): steer it once, but check every TableMap.
  const marked = entry as { cutoverSteered?: boolean }
  const steered = marked.cutoverSteered === true
  marked.cutoverSteered = true
  columns.forEach((column, i) => {
    const z = steered ? { ...zcolumns[i]! } : zcolumns[i]!
    const schema = steered ? { ...entry.columnSchemas[i]! } : entry.columnSchemas[i]!
    // The binlog's own type for this column (ENUM/SET hide behind STRING until their metadata is read).
    const binlogType = event._effectiveColumnType(i)
    binlogColumns.push({ type: binlogType, metadata: zcolumns[i]!.metadata })
    const family = binlogFamily(binlogType)
    const expected = trackedFamilies[column.dataType]
    // MariaDB JSON is LONGTEXT in the binlog.
    const compatible = family === expected || (expected === 'json' && family === 'blob')
    if (family === null || expected === undefined || !compatible) {
      throw mismatch(
        ref,
        `column ${column.name} is ${column.columnType} in the history but has binlog type ${binlogType}`,
      )
    }
    // Names are the history's: rows are read by ordinal below, never by a name zongji fetched.
    schema.COLUMN_NAME = column.name
    z.name = column.name
    switch (family) {
      case 'string':
        if (['uuid', 'inet4', 'inet6'].includes(column.dataType)) {
          schema.COLUMN_TYPE = column.dataType
        } else if (column.dataType === 'binary') {
          // BINARY(n) loses trailing zero bytes in the row image; zongji pads to the width named here.
          schema.COLUMN_TYPE = column.columnType.toLowerCase()
        } else {
          schema.COLUMN_TYPE = 'varbinary'
        }
        z.charset = null
        finish.push(identity)
        break
      case 'blob':
        z.charset = null
        finish.push(identity)
        break
      case 'enum': {
        const n = enumLabelCount(column.columnType)
        schema.ENUM_VALUES = Array.from({ length: n }, (_, k) => String(k + 1))
        // Index 0 is the empty "error" value; zongji finds no label for it.
        finish.push((v) => (v === undefined || v === null ? 0 : Number(v)))
        break
      }
      case 'set': {
        const n = enumLabelCount(column.columnType)
        schema.SET_VALUES = Array.from({ length: n }, (_, k) => (1n << BigInt(k)).toString())
        finish.push((v) => {
          if (typeof v !== 'string' || v === '') return 0
          return v
            .split(',')
            .reduce((sum, bit) => sum + BigInt(bit), 0n)
            .toString()
        })
        break
      }
      case 'temporal':
        if (binlogType === T.YEAR) {
          // Read the stored byte: 0 is the year 0000, n is 1900 + n.
          z.type = T.TINY
          schema.UNSIGNED = true
          finish.push((v) => (v === 0 ? '0000' : String(Number(v) + 1900)))
        } else {
          schema.COLUMN_TYPE = column.columnType.toLowerCase()
          finish.push(identity)
        }
        break
      case 'geometry':
        // The stored form (SRID + WKB) is what a geometry column accepts back as a binary string.
        z.type = T.BLOB
        z.charset = null
        finish.push(identity)
        break
      case 'int':
        if (schema.UNSIGNED === undefined) schema.UNSIGNED = /unsigned/i.test(column.columnType)
        finish.push(identity)
        break
      default:
        finish.push(identity)
    }
  })
  const fast = compileRowImageDecoder(columns, binlogColumns)
  return { ref, handle: tracked, columns, names: columns.map((c) => c.name), finish, fast }
}

/** One decoded row as values in table-definition order. */
export function rowValues(table: DecodedTable, row: Record<string, unknown>): CellValue[] {
  const out: CellValue[] = new Array(table.names.length)
  for (let i = 0; i < table.names.length; i++) {
    const v = row[table.names[i]!]
    out[i] = v === null ? null : table.finish[i]!(v)
  }
  return out
}

/** True when every column is present in the row image (binlog_row_image=FULL). */
export function allColumnsPresent(bitmap: Buffer | undefined, columnCount: number): boolean {
  if (!bitmap) return false
  for (let i = 0; i < columnCount; i++) if ((bitmap[i >> 3]! & (1 << (i & 7))) === 0) return false
  return true
}
