/**
 * A replicated MySQL/MariaDB DDL statement in the form TiDB accepts with the same effect on the table. Clauses that
 * only steer the source's locking go (ONLINE, WAIT n, NOWAIT, ALGORITHM=, LOCK=, FORCE); MariaDB-only statement
 * forms become TiDB's (CREATE OR REPLACE TABLE, RENAME TABLE IF EXISTS); an ALTER whose clauses use a column another
 * clause of it adds or renames is split (TiDB resolves every clause against the table as it was); types TiDB lacks
 * get the schema stage's text form; words TiDB reserves are quoted. What has no faithful form (invisible columns,
 * spatial types) is refused, naming the statement and the choices. Every change is returned as a sentence.
 */
import { CutoverError } from '../../../shared/domain/errors'
import { textFormTypes } from '../schema/ddlRewriter'
import { identifierName, isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'

export interface TidbDdl {
  statements: string[]
  rewrites: string[]
}

/** An index of the altered table as the target has it (for DROP COLUMN of a column in a composite index). */
export interface TargetIndex {
  name: string
  unique: boolean
  primary: boolean
  columns: { name: string; subPart: number | null }[]
}

/** Words TiDB reserves that MariaDB 10.11 accepts as bare identifiers (found by creating a column of each name). */
export const tidbOnlyReserved: ReadonlySet<string> = new Set([
  'ARRAY',
  'CUME_DIST',
  'DATABASE',
  'DENSE_RANK',
  'FIRST_VALUE',
  'GROUPS',
  'ILIKE',
  'LAG',
  'LAST_VALUE',
  'LEAD',
  'NTH_VALUE',
  'NTILE',
  'OF',
  'OPTION',
  'PERCENT_RANK',
  'RANK',
  'TABLESAMPLE',
  'TIDB_CURRENT_TSO',
  'UNTIL',
  'WINDOW',
])

/** Words after DROP that name something other than a column. */
const notColumns = ['PRIMARY', 'INDEX', 'KEY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'SYSTEM', 'PERIOD']

const spatialTypes = new Set([
  'GEOMETRY',
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
])

const join = (tokens: Token[]) =>
  tokens
    .map((t) => t.text)
    .join('')
    .trim()

/** Significant tokens only, split at top-level commas. */
function splitClauses(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]]
  let depth = 0
  for (const t of tokens) {
    if (isPunct(t, '(')) depth++
    else if (isPunct(t, ')')) depth--
    if (depth === 0 && isPunct(t, ',')) out.push([])
    else out.at(-1)!.push(t)
  }
  return out.filter((c) => c.some(isSignificant))
}

function unsupported(sql: string, what: string, choices: string): CutoverError {
  return new CutoverError({
    code: 'REPLICATE_DDL_UNSUPPORTED',
    stage: 'incremental',
    message: `TiDB has no faithful form of ${what}, in the replicated statement: ${sql.slice(0, 300)}`,
    workaround: choices,
  })
}

/** A `name` or `db.name` starting at significant index `at`: its text and the index after it. */
function readName(sig: Token[], at: number): [string, number] {
  if (isPunct(sig[at + 1], '.')) return [`${sig[at]!.text}.${sig[at + 2]!.text}`, at + 3]
  return [sig[at]!.text, at + 1]
}

export function toTidbDialect(sql: string, indexes: TargetIndex[] = []): TidbDdl {
  const rewrites: string[] = []
  const quoted = new Set<string>()
  const tokens = tokenize(sql).map((t) => {
    if (t.kind !== 'word' || !tidbOnlyReserved.has(t.text.toUpperCase())) return t
    quoted.add(t.text)
    return { kind: 'quoted' as const, text: `\`${t.text}\`` }
  })
  if (quoted.size > 0)
    rewrites.push(
      `${[...quoted].map((w) => `\`${w}\``).join(', ')} quoted: TiDB reserves ${quoted.size === 1 ? 'this word' : 'these words'}`,
    )
  // WAIT n / NOWAIT (MariaDB) after a table name only bound the source's lock wait.
  for (let k = 0, depth = 0; k < tokens.length; k++) {
    const t = tokens[k]!
    if (isPunct(t, '(')) depth++
    else if (isPunct(t, ')')) depth--
    if (depth > 0 || t.kind !== 'word') continue
    const next = tokens.slice(k + 1).findIndex(isSignificant) + k + 1
    const number = t.text.toUpperCase() === 'WAIT' && /^\d+(\.\d+)?$/.test(tokens[next]?.text ?? '')
    if (!number && t.text.toUpperCase() !== 'NOWAIT') continue
    rewrites.push(`${number ? `WAIT ${tokens[next]!.text}` : 'NOWAIT'} removed: it only bounds the source's lock wait`)
    tokens.splice(k, number ? next - k + 1 : 1)
    k--
  }
  const sig = tokens.filter(isSignificant)
  const word = (i: number, ...w: string[]) => isWord(sig[i], ...w)

  if (word(0, 'CREATE') && word(1, 'OR') && word(2, 'REPLACE') && word(3, 'TABLE')) {
    const [name] = readName(sig, 4)
    rewrites.push('CREATE OR REPLACE TABLE → DROP TABLE IF EXISTS, then CREATE TABLE (TiDB has no OR REPLACE)')
    return {
      statements: [`DROP TABLE IF EXISTS ${name}`, `CREATE ${join(tokens.slice(tokens.indexOf(sig[3]!)))}`],
      rewrites,
    }
  }
  if (word(0, 'RENAME') && word(1, 'TABLE') && word(2, 'IF') && word(3, 'EXISTS')) {
    rewrites.push('RENAME TABLE IF EXISTS → RENAME TABLE (the table exists: the source renamed it)')
    return { statements: [`RENAME TABLE ${join(tokens.slice(tokens.indexOf(sig[4]!)))}`], rewrites }
  }
  if (!word(0, 'ALTER')) return { statements: [join(tokens)], rewrites }

  // ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name [WAIT n | NOWAIT] clause, clause, …
  let i = 1
  if (word(i, 'ONLINE')) {
    rewrites.push('ONLINE removed: it only asks the source not to block writes')
    i++
  }
  const head: string[] = ['ALTER']
  if (word(i, 'IGNORE')) head.push(sig[i++]!.text)
  if (!word(i, 'TABLE')) return { statements: [join(tokens)], rewrites }
  head.push('TABLE')
  i++
  if (word(i, 'IF') && word(i + 1, 'EXISTS')) {
    head.push('IF EXISTS')
    i += 2
  }
  const [table, afterName] = readName(sig, i)
  head.push(table)
  i = afterName
  const rest = tokens.slice(sig[i] ? tokens.indexOf(sig[i]!) : tokens.length)
  const kept: Token[][] = []
  const introduced = new Set<string>()
  const dropped = new Set<string>()
  let split = false
  for (const clause of splitClauses(rest)) {
    const c = clause.filter(isSignificant)
    const first = c[0]!
    if (isWord(first, 'ALGORITHM', 'LOCK')) {
      rewrites.push(`${join(clause)} removed: it only steers how the source runs the ALTER`)
      continue
    }
    if (isWord(first, 'DROP') && !isWord(c[1], ...notColumns)) {
      const at = isWord(c[1], 'COLUMN') ? 2 : 1
      const nameAt = isWord(c[at], 'IF') ? at + 2 : at
      if (c[nameAt]) dropped.add(identifierName(c[nameAt]).toLowerCase())
    }
    if (isWord(first, 'FORCE')) {
      rewrites.push('FORCE removed: it rebuilds the table on the source, which TiDB has no need of')
      continue
    }
    const uses = (names: Set<string>) =>
      c.some(
        (t, k) => k > 0 && (t.kind === 'word' || t.kind === 'quoted') && names.has(identifierName(t).toLowerCase()),
      )
    if (kept.length > 0 && introduced.size > 0 && uses(introduced)) split = true
    checkColumnDefinition(clause, sql, rewrites)
    // Columns this clause adds or renames: a later clause that names one needs a statement of its own on TiDB.
    if (isWord(first, 'ADD')) {
      const at = isWord(c[1], 'COLUMN') ? 2 : 1
      if (
        !isWord(c[at], 'INDEX', 'KEY', 'UNIQUE', 'PRIMARY', 'FULLTEXT', 'SPATIAL', 'CONSTRAINT', 'FOREIGN', 'CHECK')
      ) {
        if (isPunct(c[at], '(')) {
          for (const def of splitClauses(clause.slice(clause.indexOf(c[at]!) + 1, clause.lastIndexOf(c.at(-1)!))))
            introduced.add(identifierName(def.filter(isSignificant)[0]!).toLowerCase())
        } else {
          const nameAt = isWord(c[at], 'IF') ? at + 3 : at
          if (c[nameAt]) introduced.add(identifierName(c[nameAt]).toLowerCase())
        }
      }
    } else if (isWord(first, 'CHANGE')) {
      const at = isWord(c[1], 'COLUMN') ? 2 : 1
      const nameAt = isWord(c[at], 'IF') ? at + 3 : at + 1
      if (c[nameAt]) introduced.add(identifierName(c[nameAt]).toLowerCase())
    } else if (isWord(first, 'RENAME') && isWord(c[1], 'COLUMN') && c[4]) {
      introduced.add(identifierName(c[4]).toLowerCase())
    }
    kept.push(clause)
  }
  const prefix = head.join(' ')
  // TiDB cannot drop a column of a composite index; MySQL and MariaDB take it out of the index (and drop an index
  // left without columns). The same happens here around the ALTER.
  const before: string[] = []
  const after: string[] = []
  for (const index of indexes) {
    const names = index.columns.map((col) => col.name.toLowerCase())
    if (names.length < 2 || !names.some((n) => dropped.has(n))) continue
    if (index.primary) {
      throw unsupported(
        sql,
        'dropping a column of the composite primary key (TiDB cannot change a clustered primary key)',
        'Exclude the table from the job, or drop the column after the cutover; the job cannot apply this change.',
      )
    }
    const rest = index.columns.filter((col) => !dropped.has(col.name.toLowerCase()))
    const quote = (n: string) => `\`${n.replaceAll('`', '``')}\``
    before.push(`${prefix} DROP INDEX ${quote(index.name)}`)
    if (rest.length > 0) {
      after.push(
        `${prefix} ADD ${index.unique ? 'UNIQUE ' : ''}INDEX ${quote(index.name)} (${rest.map((col) => `${quote(col.name)}${col.subPart ? `(${col.subPart})` : ''}`).join(', ')})`,
      )
    }
    rewrites.push(
      `index ${index.name} (${names.join(', ')}) ${rest.length > 0 ? `rebuilt as (${rest.map((col) => col.name).join(', ')})` : 'dropped'} around the DROP COLUMN: TiDB cannot drop a column of a composite index, the source takes it out of the index`,
    )
  }
  if (before.length > 0) {
    const main = kept.length > 0 ? [`${prefix} ${kept.map(join).join(', ')}`] : []
    return { statements: [...before, ...main, ...after], rewrites }
  }
  if (kept.length === 0) {
    rewrites.push('nothing left for TiDB to do: the statement is skipped')
    return { statements: [], rewrites }
  }
  if (!split) return { statements: [`${prefix} ${kept.map(join).join(', ')}`], rewrites }
  rewrites.push(
    `split into ${kept.length} statements: TiDB resolves every clause of one ALTER against the table as it was, so a clause cannot use a column another one adds or renames`,
  )
  return { statements: kept.map((clause) => `${prefix} ${join(clause)}`), rewrites }
}

/** Column definitions in an ADD / MODIFY / CHANGE clause: types and attributes TiDB lacks. */
function checkColumnDefinition(clause: Token[], sql: string, rewrites: string[]): void {
  const c = clause.filter(isSignificant)
  if (!isWord(c[0], 'ADD', 'MODIFY', 'CHANGE')) return
  let at = isWord(c[1], 'COLUMN') ? 2 : 1
  if (
    isWord(c[0], 'ADD') &&
    isWord(
      c[at],
      'INDEX',
      'KEY',
      'UNIQUE',
      'PRIMARY',
      'FULLTEXT',
      'SPATIAL',
      'CONSTRAINT',
      'FOREIGN',
      'CHECK',
      'PARTITION',
      'PERIOD',
      'SYSTEM',
    )
  )
    return
  // ADD (a INT, b TEXT): each definition; otherwise one, after [IF [NOT] EXISTS] and the name(s).
  const definitions: Token[][] = []
  if (isPunct(c[at], '(')) {
    definitions.push(
      ...splitClauses(clause.slice(clause.indexOf(c[at]!) + 1, clause.lastIndexOf(c.at(-1)!))).map((d) =>
        d.filter(isSignificant),
      ),
    )
  } else {
    if (isWord(c[at], 'IF')) at += isWord(c[at + 1], 'NOT') ? 3 : 2
    definitions.push(c.slice(at))
  }
  for (const def of definitions) {
    const typeAt = isWord(c[0], 'CHANGE') && !isPunct(c[1], '(') ? 2 : 1
    const type = def[typeAt]
    if (type?.kind === 'word' && spatialTypes.has(type.text.toUpperCase())) {
      throw unsupported(
        sql,
        `the spatial type ${type.text.toUpperCase()} (TiDB has no spatial types)`,
        'Exclude the table from the job, or keep the values as WKB in a BLOB column on the source (ST_AsBinary) and Restart the job.',
      )
    }
    if (def.some((t, k) => k > typeAt && isWord(t, 'INVISIBLE'))) {
      throw unsupported(
        sql,
        'an INVISIBLE column (TiDB columns are always visible, so SELECT * would return it)',
        'Make the column visible on the source (ALTER TABLE … MODIFY … VISIBLE), then resume; or exclude the table from the job.',
      )
    }
    const form = type?.kind === 'word' ? textFormTypes[type.text.toLowerCase()] : undefined
    if (type && form) {
      clause[clause.indexOf(type)] = { kind: 'word', text: form.type }
      rewrites.push(`${type.text.toUpperCase()} → ${form.type.toUpperCase()}: ${form.note}`)
    }
  }
}
