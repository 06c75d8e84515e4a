/**
 * The one rule for "this table has a row-identity key", used by the precheck, the copy's key choice (and with it
 * the validation), and replication: a key identifies a row when it is the primary key or a unique index, every part
 * of it a whole column (no prefix length, no expression), NOT NULL, of a type compared exactly. A prefix is unique
 * only over its first characters, so the whole value does not name the index entry; NULLs never collide in a unique
 * index; FLOAT and DOUBLE values do not find their row by equality; JSON and spatial values have no order to chunk by.
 */

/** How a key column's values are compared and bound; 'other': not exactly (the column cannot be part of a key). */
export type KeyColumnType = 'int' | 'uint' | 'decimal' | 'string' | 'binary' | 'datetime' | 'other'

const intTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year'])
const binaryTypes = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit'])
const textTypes = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'])
const timeTypes = new Set(['date', 'datetime', 'timestamp', 'time'])

/** `dataType`: information_schema's DATA_TYPE; `columnType` and `charset` only tell signedness and binary text. */
export function keyColumnType(column: {
  dataType: string
  columnType?: string
  charset?: string | null
}): KeyColumnType {
  const dataType = column.dataType.toLowerCase()
  if (intTypes.has(dataType)) return column.columnType?.toLowerCase().includes('unsigned') ? 'uint' : 'int'
  if (dataType === 'decimal' || dataType === 'numeric') return 'decimal'
  if (binaryTypes.has(dataType)) return 'binary'
  if (textTypes.has(dataType)) return column.charset === 'binary' ? 'binary' : 'string'
  if (timeTypes.has(dataType)) return 'datetime'
  return 'other'
}

export interface IdentityColumn {
  name: string
  dataType: string
  nullable: boolean
  columnType?: string
  charset?: string | null
}

/** One part of a unique index: `column` null (or empty) for an expression part (MySQL 8 functional index). */
export interface IndexPart {
  column: string | null
  /** Prefix length; null when the part is the whole column. */
  subPart: unknown
}

export interface UniqueIndex {
  /** 'PRIMARY' for the primary key. */
  name: string
  parts: readonly IndexPart[]
}

/** Whether this primary or unique index identifies a row of a table with these columns. */
export function identifiesRow(index: UniqueIndex, columns: readonly IdentityColumn[]): boolean {
  if (index.parts.length === 0) return false
  return index.parts.every((part) => {
    if (!part.column || (part.subPart !== null && part.subPart !== undefined)) return false
    const name = part.column.toLowerCase()
    const column = columns.find((c) => c.name.toLowerCase() === name)
    return column !== undefined && !column.nullable && keyColumnType(column) !== 'other'
  })
}

/** The indexes that identify a row: the primary key first, then unique keys by fewest columns. */
export function rowIdentityKeys<T extends UniqueIndex>(indexes: readonly T[], columns: readonly IdentityColumn[]): T[] {
  return indexes
    .filter((index) => identifiesRow(index, columns))
    .sort((a, b) => Number(b.name === 'PRIMARY') - Number(a.name === 'PRIMARY') || a.parts.length - b.parts.length)
}

export function hasRowIdentity(indexes: readonly UniqueIndex[], columns: readonly IdentityColumn[]): boolean {
  return indexes.some((index) => identifiesRow(index, columns))
}
