/**
 * The referee: compares a table on two servers (MariaDB, MySQL or TiDB, in any pairing) row by row over the stored
 * bytes. Results come in each column's own charset (character_set_results = binary) and every cell as raw bytes.
 *
 * Only renderings that differ between engines while the value is the same are normalised, and nothing else:
 * - FLOAT/DOUBLE: read as `col * 1e0` and compared as doubles (engines print the same double differently; the text
 *   protocol prints FLOAT with 6 digits only);
 * - JSON: compared as parsed values (TiDB stores a binary form and prints it normalised; MariaDB keeps the text),
 *   object members by key, integers exactly, other numbers as doubles;
 * - integers: compared as numbers, so a display width or ZEROFILL padding does not count (TiDB does not pad);
 * - text in a charset other than utf8mb4/utf8mb3: read as `CONVERT(col USING utf8mb4)`, i.e. compared by character
 *   (TiDB keeps latin1 text in UTF-8 and returns those bytes even with character_set_results = binary).
 *
 * Rows are sorted on the client by their normalised bytes, so tables without a key compare as multisets and the
 * engines' collations (which may order differently) play no part. TiDB has no CHECKSUM TABLE, and a digest built on
 * `CAST(char_col AS BINARY)` would be wrong there (it cuts a CHAR(n) to n bytes), so the checksum is a SHA-256 over
 * the sorted, normalised rows, computed here the same way for both sides.
 */
import { createHash } from 'node:crypto'
import type { Connection } from 'mysql2/promise'

export interface TableDifference {
  table: string
  sourceRows: number
  targetRows: number
  firstDifference: string | null
  sourceChecksum: string | null
  targetChecksum: string | null
}

type Kind = 'float' | 'json' | 'integer' | 'text' | 'bytes'

interface ColumnShape {
  name: string
  kind: Kind
}

const q = (name: string) => '`' + name.replace(/`/g, '``') + '`'
const integerTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'])
const utf8Charsets = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'binary'])

async function columnsOf(connection: Connection, db: string, table: string): Promise<Map<string, Kind>> {
  const [columns] = (await connection.query(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  )) as unknown as [{ name: string; type: string; charset: string | null }[]]
  // MariaDB's JSON is LONGTEXT with a json_valid() check, so its information_schema says `longtext`.
  const [checks] = (await connection
    .query(
      "SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND CHECK_CLAUSE LIKE 'json_valid(%'",
      [db, table],
    )
    .catch(() => [[]])) as unknown as [{ clause: string }[]]
  const jsonByCheck = new Set(checks.map((c) => /json_valid\(`?([^`)]+)`?\)/i.exec(c.clause)?.[1] ?? ''))
  const kinds = new Map<string, Kind>()
  for (const { name, type, charset } of columns) {
    const t = type.toLowerCase()
    kinds.set(
      name,
      t === 'float' || t === 'double' || t === 'real'
        ? 'float'
        : t === 'json' || jsonByCheck.has(name)
          ? 'json'
          : integerTypes.has(t)
            ? 'integer'
            : charset !== null && !utf8Charsets.has(charset.toLowerCase())
              ? 'text'
              : 'bytes',
    )
  }
  return kinds
}

/** The column list both sides are read with: the source's order, each kind from whichever side knows more. */
async function shapeOf(source: Connection, target: Connection, db: string, table: string): Promise<ColumnShape[]> {
  const [a, b] = await Promise.all([columnsOf(source, db, table), columnsOf(target, db, table)])
  const names = [...a.keys(), ...[...b.keys()].filter((n) => !a.has(n))]
  return names.map((name) => {
    const kinds = [a.get(name), b.get(name)]
    const kind: Kind = kinds.includes('json') ? 'json' : kinds.includes('float') ? 'float' : (kinds[0] ?? kinds[1]!)
    return { name, kind }
  })
}

async function rawRows(
  connection: Connection,
  db: string,
  table: string,
  shape: ColumnShape[],
): Promise<(Buffer | null)[][]> {
  const [present] = (await connection.query(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [db, table],
  )) as unknown as [{ name: string }[]]
  const has = new Set(present.map((p) => p.name))
  // A column one side lacks reads as a marker no stored value can equal, so the difference is reported.
  const select = shape
    .map((c) =>
      !has.has(c.name)
        ? "'<column missing>'"
        : c.kind === 'float'
          ? `(${q(c.name)} * 1e0)`
          : c.kind === 'text'
            ? `CONVERT(${q(c.name)} USING utf8mb4)`
            : q(c.name),
    )
    .join(', ')
  await connection.query('SET SESSION character_set_results = binary')
  try {
    const [rows] = (await connection.query({
      sql: `SELECT ${select} FROM ${q(db)}.${q(table)}`,
      rowsAsArray: true,
      typeCast: ((field: { buffer(): Buffer | null }) => field.buffer()) as never,
    })) as unknown as [(Buffer | null)[][]]
    return rows
  } finally {
    await connection.query('SET SESSION character_set_results = utf8mb4')
  }
}

/** JSON text → a canonical text: members sorted by key, integers as written (exact), other numbers as doubles. */
export function canonicalJson(text: string): string {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const value = (): string => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const members: [string, string][] = []
      ws()
      if (text[i] === '}') {
        i++
        return '{}'
      }
      for (;;) {
        ws()
        const key = str()
        ws()
        if (text[i++] !== ':') throw new Error(`bad JSON at ${i}: ${text}`)
        members.push([key, value()])
        ws()
        const sep = text[i++]
        if (sep === '}') break
        if (sep !== ',') throw new Error(`bad JSON at ${i}: ${text}`)
      }
      members.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      return `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`
    }
    if (c === '[') {
      i++
      const items: string[] = []
      ws()
      if (text[i] === ']') {
        i++
        return '[]'
      }
      for (;;) {
        items.push(value())
        ws()
        const sep = text[i++]
        if (sep === ']') break
        if (sep !== ',') throw new Error(`bad JSON at ${i}: ${text}`)
      }
      return `[${items.join(',')}]`
    }
    if (c === '"') return str()
    const literal = /^-?[0-9][0-9.eE+-]*|^true|^false|^null/.exec(text.slice(i))?.[0]
    if (literal === undefined) throw new Error(`bad JSON at ${i}: ${text}`)
    i += literal.length
    if (/^-?[0-9]+$/.test(literal)) return BigInt(literal).toString()
    if (/^-?[0-9]/.test(literal)) return `${Number(literal)}d`
    return literal
  }
  const str = (): string => {
    const start = i
    if (text[i] !== '"') throw new Error(`bad JSON at ${i}: ${text}`)
    i++
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
    return JSON.stringify(JSON.parse(text.slice(start, i)))
  }
  const out = value()
  ws()
  if (i !== text.length) throw new Error(`bad JSON: trailing text in ${text}`)
  return out
}

function normalise(cell: Buffer | null, kind: Kind): Buffer | null {
  if (cell === null) return null
  switch (kind) {
    case 'bytes':
    case 'text':
      return cell
    case 'integer':
      return Buffer.from(BigInt(cell.toString('latin1')).toString())
    case 'float':
      return Buffer.from(String(Number(cell.toString('latin1'))))
    case 'json':
      return Buffer.from(canonicalJson(cell.toString('utf8')))
  }
}

/** One row as bytes that sort and compare like the row: each cell length-prefixed, NULL distinct from every value. */
function rowKey(row: (Buffer | null)[], shape: ColumnShape[]): Buffer {
  const parts: Buffer[] = []
  row.forEach((cell, i) => {
    const value = normalise(cell, shape[i]!.kind)
    if (value === null) parts.push(Buffer.from([0]))
    else {
      const head = Buffer.alloc(5)
      head[0] = 1
      head.writeUInt32BE(value.length, 1)
      parts.push(head, value)
    }
  })
  return Buffer.concat(parts)
}

const cellText = (c: Buffer | null) =>
  c === null
    ? 'NULL'
    : c.length > 48
      ? `0x${c.subarray(0, 48).toString('hex')}… (${c.length} bytes)`
      : `0x${c.toString('hex')}`

/** The columns in which two rows differ (all columns when one row is missing), each cell cut to 48 bytes. */
function show(x: (Buffer | null)[] | undefined, y: (Buffer | null)[] | undefined, shape: ColumnShape[]): string {
  if (!x || !y) {
    const row = (x ?? y)!
    return `${x ? 'only the source' : 'only the target'} has [${row.map((c, i) => `${shape[i]!.name}=${cellText(c)}`).join(', ')}]`
  }
  const differing = shape.flatMap((column, i) => {
    const [a, b] = [normalise(x[i] ?? null, column.kind), normalise(y[i] ?? null, column.kind)]
    const same = a === null ? b === null : b !== null && a.equals(b)
    return same ? [] : [`${column.name}: source ${cellText(x[i] ?? null)} target ${cellText(y[i] ?? null)}`]
  })
  return `${x
    .map((c, i) => (shape[i]!.kind === 'integer' ? `${shape[i]!.name}=${cellText(c)}` : ''))
    .filter(Boolean)
    .join(', ')} differs in ${differing.join('; ')}`
}

export async function compareTable(
  source: Connection,
  target: Connection,
  db: string,
  table: string,
): Promise<TableDifference> {
  const shape = await shapeOf(source, target, db, table)
  const [a, b] = await Promise.all([rawRows(source, db, table, shape), rawRows(target, db, table, shape)])
  const sorted = (rows: (Buffer | null)[][]) =>
    rows.map((row) => ({ row, key: rowKey(row, shape) })).sort((x, y) => Buffer.compare(x.key, y.key))
  const [x, y] = [sorted(a), sorted(b)]
  let firstDifference: string | null = null
  for (let i = 0; i < Math.max(x.length, y.length) && firstDifference === null; i++) {
    if (!x[i] || !y[i] || !x[i]!.key.equals(y[i]!.key)) {
      firstDifference = `row ${i} in sorted order: ${show(x[i]?.row, y[i]?.row, shape)}`
    }
  }
  const digest = (rows: { key: Buffer }[]) => {
    const hash = createHash('sha256')
    for (const { key } of rows) hash.update(key)
    return hash.digest('hex')
  }
  return {
    table: `${db}.${table}`,
    sourceRows: a.length,
    targetRows: b.length,
    firstDifference,
    sourceChecksum: digest(x),
    targetChecksum: digest(y),
  }
}
