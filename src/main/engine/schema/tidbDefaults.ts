/**
 * Which column defaults TiDB takes, as the schema stage creates tables (outside strict sql_mode, see schemaStage.ts),
 * decided from the default's DDL text alone so the precheck and the DDL rewriter decide alike.
 *
 * Measured on TiDB (v8.4 / master, unistore):
 * - TEXT/BLOB with a literal default: error 1101 in strict mode; outside it `DEFAULT ''` is taken (warning 1101) and
 *   behaves as on MySQL/MariaDB: an INSERT that omits the column stores ''. Any other literal is refused in every mode.
 * - TIMESTAMP/DATE/DATETIME zero defaults ('0000-00-00 00:00:00'): error 1067 only with NO_ZERO_DATE and strict
 *   mode both set, so they are taken as they are.
 * - Expression defaults: only CURRENT_TIMESTAMP and its synonyms (the column's own precision), CURRENT_DATE
 *   (DATE/DATETIME), RAND(), UUID(), NEXTVAL(seq), JSON_OBJECT/JSON_ARRAY/JSON_QUOTE(…), DATE_FORMAT(NOW(), one of
 *   four formats), STR_TO_DATE(literal, literal), REPLACE(UPPER(UUID()), '-', '') and
 *   UPPER(SUBSTRING_INDEX(USER(), '@', 1)); any other function is error 3770, an operator expression such as
 *   `(a + 1)` is error 1064 (the parser takes only a function call in parentheses).
 */
import { isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'

export interface DefaultColumn {
  name: string
  /** Lower-case type name: `text`, `timestamp`, `varchar`… */
  dataType: string
  nullable: boolean
  /** Fractional-second digits of TIME/DATETIME/TIMESTAMP columns, else 0. */
  fsp: number
}

export type DefaultVerdict =
  /** TiDB takes the default as written and it behaves as on the source. */
  | { kind: 'keep' }
  /**
   * TiDB takes it with warning `warning` (only outside strict mode), and INSERTs behave as on the source; `note`
   * says what still differs (what SHOW CREATE TABLE shows), null when nothing does.
   */
  | { kind: 'tolerated'; warning: number; note: string | null }
  /** Replace the default's text with `sql`: the same value, spelled the way TiDB takes it. */
  | { kind: 'rewrite'; sql: string; reason: string }
  /** TiDB cannot hold this default; `error` is the error TiDB returns. */
  | { kind: 'refuse'; error: number; reason: string }

const textAndBlobTypes = new Set([
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
])
const currentTimestamp = new Set(['current_timestamp', 'now', 'localtime', 'localtimestamp'])
const dateFormats = new Set(["'%Y-%m'", "'%Y-%m-%d'", "'%Y-%m-%d %H.%i.%s'", "'%Y-%m-%d %H:%i:%s'"])

type Expr =
  | { kind: 'literal'; text: string; isString: boolean; isNull: boolean }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'paren'; inner: Expr }
  | { kind: 'other' }

/** A tiny reader for default expressions: literals, function calls, parentheses; anything else is `other`. */
function parseDefault(sql: string): Expr {
  const tokens = tokenize(sql).filter(isSignificant)
  let at = 0
  const other: Expr = { kind: 'other' }
  const expression = (): Expr => {
    const t = tokens[at]
    if (t === undefined) return other
    if (t.kind === 'string') {
      at++
      return { kind: 'literal', text: t.text, isString: true, isNull: false }
    }
    if (isPunct(t, '-') || isPunct(t, '+')) {
      const n = tokens[at + 1]
      if (n?.kind === 'word' && /^[0-9.]/.test(n.text)) {
        at += 2
        return { kind: 'literal', text: t.text + n.text, isString: false, isNull: false }
      }
      return other
    }
    if (isPunct(t, '(')) {
      at++
      const inner = expression()
      if (!isPunct(tokens[at], ')')) return other
      at++
      return { kind: 'paren', inner }
    }
    if (t.kind === 'word' || t.kind === 'quoted') {
      const next = tokens[at + 1]
      // `_utf8mb4'x'`, `b'0101'`, `x'41'`: a charset introducer or a bit/hex prefix before a string.
      if (t.kind === 'word' && next?.kind === 'string' && /^(_\w+|[bBxX])$/.test(t.text)) {
        at += 2
        return { kind: 'literal', text: t.text + next.text, isString: /^_/.test(t.text), isNull: false }
      }
      if (t.kind === 'word' && isPunct(next, '(')) {
        const name = t.text.toLowerCase()
        at += 2
        const args: Expr[] = []
        if (isPunct(tokens[at], ')')) {
          at++
          return { kind: 'call', name, args }
        }
        for (;;) {
          args.push(argument())
          if (isPunct(tokens[at], ',')) {
            at++
            continue
          }
          if (isPunct(tokens[at], ')')) {
            at++
            return { kind: 'call', name, args }
          }
          return other
        }
      }
      at++
      if (isWord(t, 'NULL')) return { kind: 'literal', text: t.text, isString: false, isNull: true }
      if (t.kind === 'word' && /^[0-9]/.test(t.text))
        return { kind: 'literal', text: t.text, isString: false, isNull: false }
      if (isWord(t, 'TRUE', 'FALSE')) return { kind: 'literal', text: t.text, isString: false, isNull: false }
      if (isWord(t, 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIMESTAMP', 'CURRENT_DATE')) {
        return { kind: 'call', name: t.text.toLowerCase(), args: [] }
      }
      return other
    }
    return other
  }
  /** A function argument: an expression, or (NEXTVAL's sequence name) a qualified identifier. */
  const argument = (): Expr => {
    const start = at
    const e = expression()
    if (e.kind !== 'other') return e
    at = start
    let sawName = false
    while (tokens[at] && (tokens[at]!.kind === 'quoted' || tokens[at]!.kind === 'word' || isPunct(tokens[at], '.'))) {
      sawName = true
      at++
    }
    return sawName ? { kind: 'literal', text: 'identifier', isString: false, isNull: false } : other
  }
  const e = expression()
  return at === tokens.length ? e : other
}

const isLiteral = (e: Expr | undefined): boolean => e?.kind === 'literal'
const isCall = (e: Expr | undefined, name: string, args?: number): e is Extract<Expr, { kind: 'call' }> =>
  e?.kind === 'call' && e.name === name && (args === undefined || e.args.length === args)

/** TiDB's own list (ddl/add_column.go, getFuncCallDefaultValue); null when it takes the call, else the error it gives. */
function refusedCall(
  e: Extract<Expr, { kind: 'call' }>,
  column: DefaultColumn,
): { error: number; reason: string } | null {
  const type = column.dataType
  if (currentTimestamp.has(e.name)) {
    const precision = e.args.length === 0 ? 0 : Number(e.args[0]?.kind === 'literal' ? e.args[0].text : NaN)
    if ((type === 'timestamp' || type === 'datetime') && precision === column.fsp) return null
    return {
      error: 1067,
      reason:
        type === 'timestamp' || type === 'datetime'
          ? `TiDB takes CURRENT_TIMESTAMP only with the column's own precision (${column.fsp})`
          : `TiDB takes CURRENT_TIMESTAMP only as the default of a TIMESTAMP or DATETIME column, not ${type}`,
    }
  }
  if (e.name === 'curdate' || e.name === 'current_date') {
    return type === 'date' || type === 'datetime' || type === 'timestamp'
      ? null
      : { error: 1067, reason: `TiDB takes CURRENT_DATE only as the default of a DATE or DATETIME column, not ${type}` }
  }
  if (e.name === 'uuid' && e.args.length === 0) return null
  if (e.name === 'rand' && e.args.length <= 1 && e.args.every(isLiteral)) return null
  if (e.name === 'nextval' && e.args.length === 1) return null
  if (e.name === 'json_object' || e.name === 'json_array' || e.name === 'json_quote') return null
  if (
    e.name === 'date_format' &&
    isCall(e.args[0], 'now', 0) &&
    e.args[1]?.kind === 'literal' &&
    dateFormats.has(e.args[1].text)
  )
    return null
  if (e.name === 'str_to_date' && e.args.length === 2 && e.args.every(isLiteral)) return null
  if (
    e.name === 'replace' &&
    isCall(e.args[0], 'upper', 1) &&
    isCall(e.args[0].args[0], 'uuid', 0) &&
    e.args[1]?.kind === 'literal' &&
    e.args[1].text === "'-'" &&
    e.args[2]?.kind === 'literal' &&
    e.args[2].text === "''"
  )
    return null
  if (
    e.name === 'upper' &&
    isCall(e.args[0], 'substring_index', 3) &&
    isCall(e.args[0].args[0], 'user', 0) &&
    e.args[0].args[1]?.kind === 'literal' &&
    e.args[0].args[1].text === "'@'"
  )
    return null
  return {
    error: 3770,
    reason: `TiDB does not allow ${e.name.toUpperCase()}() in a column default (it takes only CURRENT_TIMESTAMP, CURRENT_DATE, UUID(), RAND(), NEXTVAL(), JSON_OBJECT/JSON_ARRAY/JSON_QUOTE and a few fixed forms of DATE_FORMAT, STR_TO_DATE, REPLACE and UPPER)`,
  }
}

/** What TiDB makes of `defaultSql` (the text after DEFAULT in SHOW CREATE TABLE) on `column`. */
export function tidbDefaultVerdict(column: DefaultColumn, defaultSql: string): DefaultVerdict {
  const e = parseDefault(defaultSql)
  const type = column.dataType
  if (e.kind === 'literal') {
    if (e.isNull) return { kind: 'keep' }
    if (!textAndBlobTypes.has(type) && type !== 'json') return { kind: 'keep' }
    const json = e.text === "'{}'" ? 'json_object()' : e.text === "'[]'" ? 'json_array()' : null
    if (json !== null) {
      return {
        kind: 'rewrite',
        sql: `(${json})`,
        reason: `TiDB refuses a literal default on a ${type.toUpperCase()} column (error 1101) but takes the expression ${json.toUpperCase()}, which stores exactly ${e.text}`,
      }
    }
    if (e.text === "''" && type !== 'json') {
      return {
        kind: 'tolerated',
        warning: 1101,
        note: column.nullable
          ? null
          : "TiDB keeps no DEFAULT on a NOT NULL TEXT/BLOB column, so SHOW CREATE TABLE and information_schema show none; an INSERT that omits the column still stores '' there, as on the source",
      }
    }
    return {
      kind: 'refuse',
      error: 1101,
      reason: `TiDB refuses the literal default ${e.text} on a ${type.toUpperCase()} column (error 1101: BLOB/TEXT/JSON columns take no literal default but '')`,
    }
  }
  if (e.kind === 'call') {
    // `date DEFAULT current_timestamp()` stores today's date on MariaDB; TiDB takes that only as CURRENT_DATE.
    if (currentTimestamp.has(e.name) && type === 'date') {
      return {
        kind: 'rewrite',
        sql: '(CURRENT_DATE)',
        reason:
          'TiDB refuses CURRENT_TIMESTAMP as the default of a DATE column (error 1067); CURRENT_DATE stores the same date',
      }
    }
    const refused = refusedCall(e, column)
    return refused === null ? { kind: 'keep' } : { kind: 'refuse', ...refused }
  }
  if (e.kind === 'paren' && e.inner.kind === 'call') {
    const refused = refusedCall(e.inner, column)
    return refused === null ? { kind: 'keep' } : { kind: 'refuse', ...refused }
  }
  return {
    kind: 'refuse',
    error: 1064,
    reason: `TiDB cannot parse the expression default ${defaultSql} (error 1064): it takes a literal or one of a few function calls, never an operator expression`,
  }
}

/** The fix a refused default needs, for one column. */
export function refusedDefaultFix(table: { schema: string; name: string }, column: string): string {
  const q = (n: string) => '`' + n.replace(/`/g, '``') + '`'
  const name = table.schema === '' ? q(table.name) : `${q(table.schema)}.${q(table.name)}`
  const plain = table.schema === '' ? table.name : `${table.schema}.${table.name}`
  return `On the source, drop the default and have the application supply the value (ALTER TABLE ${name} ALTER COLUMN ${q(column)} DROP DEFAULT), or exclude ${plain} from the job.`
}

/** The default of a column definition in SHOW CREATE TABLE: the token range after DEFAULT, or null. */
export function findDefault(tokens: Token[], from: number, to: number): { start: number; end: number } | null {
  let depth = 0
  for (let i = from; i <= to; i++) {
    const t = tokens[i]!
    if (isPunct(t, '(')) depth++
    else if (isPunct(t, ')')) depth--
    if (depth !== 0 || !isWord(t, 'DEFAULT')) continue
    let start = i + 1
    while (start <= to && !isSignificant(tokens[start]!)) start++
    if (start > to) return null
    let end = start
    const first = tokens[start]!
    const next = (k: number) => {
      let j = k + 1
      while (j <= to && !isSignificant(tokens[j]!)) j++
      return j
    }
    const closing = (open: number) => {
      let d = 0
      for (let j = open; j <= to; j++) {
        if (isPunct(tokens[j], '(')) d++
        else if (isPunct(tokens[j], ')') && --d === 0) return j
      }
      return to
    }
    if (isPunct(first, '(')) end = closing(start)
    else if (isPunct(first, '-') || isPunct(first, '+')) end = next(start)
    else if (first.kind === 'word') {
      const after = next(start)
      if (after <= to && isPunct(tokens[after], '(')) end = closing(after)
      else if (after <= to && tokens[after]!.kind === 'string' && /^(_\w+|[bBxX])$/.test(first.text)) end = after
    }
    return { start, end }
  }
  return null
}
