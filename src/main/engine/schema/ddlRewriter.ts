import { CutoverError } from '../../../shared/domain/errors'
import { collationChange, targetCharset, targetCollation, type CharsetSupport } from './collationMapping'
import { identifierName, isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'
import type { FulltextProbe } from '../connect/tidbFeatures'
import { findDefault, refusedDefaultFix, tidbDefaultVerdict } from './tidbDefaults'

export interface TargetCapabilities extends CharsetSupport {
  isTidb: boolean
  /** e.g. `v7.5.1` or `7.5.1`; null when unknown. */
  tidbVersion: string | null
  fulltext: 'keep' | 'drop'
  /**
   * What the target itself did with a FULLTEXT index on a probe table (tidbFeatures.ts), for TiDB targets:
   * self-hosted TiDB ignores FULLTEXT whatever its version while TiDB Cloud builds it. Unset on other targets,
   * which keep FULLTEXT; on a TiDB target without a probe, FULLTEXT is dropped (and the reason says so).
   */
  fulltextProbe?: FulltextProbe
  /** Only consulted for TiDB targets, which have no spatial support; MySQL and MariaDB targets keep spatial objects. */
  spatial: 'fail' | 'drop'
  /** The target has CREATE SEQUENCE (TiDB, MariaDB); unset means yes. */
  sequences?: boolean
}

/** One change made to the source DDL, recorded in the job's event log and shown by `schema-preview`. */
export interface Rewrite {
  code: string
  /** `table`, `table.column` or `table.index`. */
  object: string
  before: string
  after: string
  reason: string
}

export interface RewrittenDdl {
  sql: string
  rewrites: Rewrite[]
  /**
   * Warnings the target gives for this statement that change nothing (TiDB's 1101 for a TEXT/BLOB `DEFAULT ''`
   * outside strict mode); any other warning means the target made a different table. Present only when non-empty.
   */
  expectedWarnings?: { code: number; column: string }[]
}

/** A column default the target cannot hold: what the precheck reports, and what the schema stage fails on. */
export interface RefusedDefault {
  /** `table.column` */
  object: string
  column: string
  /** The error TiDB gives for it. */
  error: number
  reason: string
  fix: string
}

export interface RewriteOptions {
  /** The table's database, for messages and fixes (SHOW CREATE TABLE names only the table). */
  schema?: string
  /** Collects refused defaults instead of throwing at the first (the precheck wants every one). */
  refusedDefaults?: RefusedDefault[]
}

const spatialTypes = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
])
/** MariaDB data types TiDB has no counterpart for. */
const mariadbOnlyTypes = new Set(['vector'])
/**
 * MariaDB types that read and write as text: the copy reads them in their text form (both modes) and the binlog
 * decoder prints the same form, so a text column of the longest form's length holds every value unchanged.
 * INET6's text is at most 39 characters (MariaDB refuses longer input and prints IPv4-mapped addresses as
 * `::ffff:a.b.c.d`, 22); UUID's is always 36, INET4's at most 15.
 */
export const textFormTypes: Record<string, { type: string; dataType: string; note: string }> = {
  uuid: {
    type: 'char(36)',
    dataType: 'char',
    note: "MariaDB parses a UUID on write (so 'ABC…', '{…}' and unhyphenated input are normalised or refused) and sorts UUIDs by their bytes with the time fields first; the target column stores whatever text it is given and sorts it as text",
  },
  inet4: {
    type: 'varchar(15)',
    dataType: 'varchar',
    note: "MariaDB parses an INET4 on write and sorts by address; the target column stores whatever text it is given and sorts it as text ('10.0.0.9' after '10.0.0.10')",
  },
  inet6: {
    type: 'varchar(39)',
    dataType: 'varchar',
    note: "MariaDB parses an INET6 on write (so '::FFFF:1.2.3.4' and '0:0::1' are normalised to one spelling) and sorts by address; the target column stores whatever text it is given, so two spellings of one address differ there",
  },
}
/**
 * The column type the schema stage writes on the target for a source column of `dataType` (`columnType` in full):
 * the text form of a MariaDB type TiDB lacks, null for a column it drops (a spatial type on TiDB), else unchanged.
 */
export function targetColumnType(dataType: string, columnType: string, target: { isTidb: boolean }): string | null {
  const name = dataType.toLowerCase()
  if (!target.isTidb) return columnType
  if (spatialTypes.has(name)) return null
  return textFormTypes[name]?.type ?? columnType
}
/** Storage engines TiDB's parser accepts (and ignores); any other name is error 1286. */
export const tidbEngines: ReadonlySet<string> = new Set([
  'archive',
  'blackhole',
  'csv',
  'example',
  'federated',
  'innodb',
  'memory',
  'merge',
  'mgr_myisam',
  'myisam',
  'ndb',
  'heap',
])
/** Aria/InnoDB table options only MariaDB parses. */
const mariadbTableOptions = new Set([
  'PAGE_CHECKSUM',
  'TRANSACTIONAL',
  'PAGE_COMPRESSED',
  'PAGE_COMPRESSION_LEVEL',
  'ENCRYPTION_KEY_ID',
  'IETF_QUOTES',
  'SEQUENCE',
])
const indexKeywords = ['PRIMARY', 'UNIQUE', 'KEY', 'INDEX', 'FULLTEXT', 'SPATIAL']
/** `/*M!100301 COMPRESSED*\/` (MariaDB) and `/*!80023 INVISIBLE *\/` (MySQL 8) as SHOW CREATE prints them. */
const executableAttribute = /^\/\*M?!\d*\s*(COMPRESSED|INVISIBLE)\s*\*\/$/i

interface Range {
  start: number // first token that is not whitespace
  end: number // last token that is not whitespace, inclusive (SHOW CREATE puts attributes in trailing comments)
}

/**
 * Rewrites one `SHOW CREATE TABLE` statement for the target. Throws a CutoverError for what cannot be rewritten
 * (a charset the target lacks, spatial objects when the precheck said fail, MariaDB-only types on TiDB).
 */
export function rewriteCreateTable(
  sql: string,
  target: TargetCapabilities,
  options: RewriteOptions = {},
): RewrittenDdl {
  const tokens = tokenize(sql)
  const rewrites: Rewrite[] = []
  const expectedWarnings: { code: number; column: string }[] = []
  const open = tokens.findIndex((t) => isPunct(t, '('))
  if (open < 0 || !tokens.slice(0, open).some((t) => isWord(t, 'TABLE'))) {
    throw unreadable('a CREATE TABLE statement with a column list was expected')
  }
  const table = lastIdentifier(tokens, 0, open)
  const close = matchingParen(tokens, open)
  const defs = splitTopLevel(tokens, open + 1, close)

  const dropped = new Set<number>()
  const droppedColumns = new Set<string>()
  const columnNames = new Map<number, string>()

  defs.forEach((def, d) => {
    const firstAt = nextSignificant(tokens, def.start, def.end + 1)
    const first = tokens[firstAt]
    if (first === undefined) throw unreadable('a definition with nothing but comments')
    if (first.kind === 'quoted' || (first.kind === 'word' && !isDefinitionKeyword(first))) {
      const column = identifierName(first)
      columnNames.set(d, column)
      const object = `${table}.${column}`
      const type = nextSignificant(tokens, firstAt + 1, def.end + 1)
      const typeName = type === -1 ? '' : tokens[type]!.text.toLowerCase()
      if (target.isTidb && spatialTypes.has(typeName)) {
        spatialPolicy(target, object, `column type ${typeName}`)
        dropped.add(d)
        droppedColumns.add(column)
        rewrites.push(
          record(
            'SPATIAL_COLUMN_DROPPED',
            object,
            text(tokens, def),
            '',
            'TiDB has no spatial types; the precheck verdict was to drop spatial objects, so this column and its data are not migrated.',
          ),
        )
        return
      }
      if (target.isTidb && mariadbOnlyTypes.has(typeName)) {
        throw new CutoverError({
          code: 'SCHEMA_UNSUPPORTED_TYPE',
          message: `${object} has the MariaDB type ${typeName}, which TiDB does not have.`,
          workaround: `Change ${object} to CHAR/BINARY/VARCHAR on the source (or exclude the table), then run the job again.`,
          stage: 'schema',
        })
      }
      let dataType = typeName
      const textForm = target.isTidb ? textFormTypes[typeName] : undefined
      if (textForm !== undefined) {
        const before = tokens[type]!.text
        const collation = target.collations.has('utf8mb4_general_ci')
          ? ' CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci'
          : ''
        tokens[type]!.text = textForm.type + collation
        dataType = textForm.dataType
        rewrites.push(
          record(
            'MARIADB_TYPE_AS_TEXT',
            object,
            before,
            tokens[type]!.text,
            `TiDB has no ${typeName.toUpperCase()} type; the values are copied and replicated in the text form MariaDB reads and writes them in, compared without case like MariaDB compares them. ${textForm.note}.`,
          ),
        )
      }
      rewriteCharsets(tokens, def, target, object, rewrites)
      if (target.isTidb) {
        rewriteMariadbColumnSyntax(tokens, def, object, rewrites)
        rewriteDefault(tokens, def, type, { table, column, dataType }, options, rewrites, expectedWarnings)
      }
      return
    }
    // Index and constraint definitions; `CONSTRAINT name` may precede the kind.
    let kindAt = firstAt
    if (isWord(first, 'CONSTRAINT')) {
      const afterConstraint = nextSignificant(tokens, firstAt + 1, def.end + 1)
      const maybeName = tokens[afterConstraint]
      kindAt =
        maybeName && !isDefinitionKeyword(maybeName)
          ? nextSignificant(tokens, afterConstraint + 1, def.end + 1)
          : afterConstraint
    }
    const kind = tokens[kindAt]
    const object = `${table}.${indexName(tokens, def, kindAt)}`
    if (isWord(kind, 'FULLTEXT') && dropsFulltext(target)) {
      dropped.add(d)
      const why =
        target.fulltext === 'drop'
          ? 'the precheck verdict was to drop FULLTEXT indexes'
          : target.fulltextProbe?.fulltext === 'dropped'
            ? `the target does not keep FULLTEXT indexes: ${target.fulltextProbe.evidence}`
            : `TiDB ${target.tidbVersion ?? '(unknown version)'} was not seen to keep FULLTEXT indexes (${target.fulltextProbe?.evidence ?? 'not probed'})`
      rewrites.push(
        record(
          'FULLTEXT_INDEX_DROPPED',
          object,
          text(tokens, def),
          '',
          `${why}; MATCH … AGAINST queries will fail on the target.`,
        ),
      )
      return
    }
    if (isWord(kind, 'SPATIAL') && target.isTidb) {
      spatialPolicy(target, object, 'a SPATIAL index')
      dropped.add(d)
      rewrites.push(
        record(
          'SPATIAL_INDEX_DROPPED',
          object,
          text(tokens, def),
          '',
          'TiDB has no spatial indexes; the precheck verdict was to drop spatial objects.',
        ),
      )
      return
    }
    if (isWord(kind, 'PERIOD') && target.isTidb) {
      dropped.add(d)
      rewrites.push(
        record(
          'PERIOD_DROPPED',
          `${table}`,
          text(tokens, def),
          '',
          'TiDB has no MariaDB PERIOD definitions; the period columns stay as plain columns.',
        ),
      )
      return
    }
    rewriteCharsets(tokens, def, target, object, rewrites)
    if (target.isTidb && isWord(kind, ...indexKeywords)) dropDescendingParts(tokens, def, kindAt, object, rewrites)
  })

  // An index over a dropped spatial column cannot be created either.
  if (droppedColumns.size > 0) {
    defs.forEach((def, d) => {
      if (dropped.has(d) || columnNames.has(d)) return
      const parts = indexParts(tokens, def)
      const gone = parts.find((p) => droppedColumns.has(p))
      if (gone === undefined) return
      dropped.add(d)
      rewrites.push(
        record(
          'INDEX_DROPPED_WITH_COLUMN',
          `${table}.${gone}`,
          text(tokens, def),
          '',
          `It covers ${gone}, which was dropped.`,
        ),
      )
    })
    if (defs.every((_, d) => dropped.has(d) || !columnNames.has(d))) {
      throw new CutoverError({
        code: 'SCHEMA_SPATIAL_UNSUPPORTED',
        message: `Table ${table} has only spatial columns, which TiDB cannot store.`,
        workaround: `Exclude ${table} from the job.`,
        stage: 'schema',
      })
    }
  }

  rewriteTableOptions(tokens, close + 1, target, table, rewrites)

  const body = rebuildDefinitions(tokens, open, close, defs, dropped)
  const out =
    tokens
      .slice(0, open + 1)
      .map((t) => t.text)
      .join('') +
    body +
    tokens
      .slice(close)
      .map((t) => t.text)
      .join('')
  return expectedWarnings.length > 0 ? { sql: out, rewrites, expectedWarnings } : { sql: out, rewrites }
}

/**
 * Rewrites one `SHOW CREATE VIEW` statement: the definer is dropped (the account rarely exists on the target and
 * creating a view for another user needs SUPER), so the view belongs to, and runs as, the migrating user; collations
 * in the view body are mapped like table collations.
 */
export function rewriteCreateView(sql: string, target: TargetCapabilities): RewrittenDdl {
  const tokens = tokenize(sql)
  const rewrites: Rewrite[] = []
  const viewAt = tokens.findIndex((t) => isWord(t, 'VIEW'))
  if (viewAt < 0) throw unreadable('a CREATE VIEW statement was expected')
  const asAt = tokens.findIndex((t, i) => i > viewAt && isWord(t, 'AS'))
  const view = lastIdentifier(tokens, viewAt + 1, asAt < 0 ? tokens.length : asAt)

  for (let i = 0; i < viewAt; i++) {
    if (isWord(tokens[i], 'DEFINER') && isPunct(tokens[nextSignificant(tokens, i + 1, viewAt)], '=')) {
      const end = definerEnd(tokens, nextSignificant(tokens, i + 1, viewAt) + 1, viewAt)
      dropRange(
        tokens,
        i,
        end,
        rewrites,
        'VIEW_DEFINER_REMOVED',
        view,
        'The source account may not exist on the target; the view is owned by the migrating user.',
      )
    }
    if (isWord(tokens[i], 'SQL')) {
      const security = nextSignificant(tokens, i + 1, viewAt)
      const who = nextSignificant(tokens, security + 1, viewAt)
      if (isWord(tokens[security], 'SECURITY') && isWord(tokens[who], 'DEFINER')) {
        dropRange(
          tokens,
          i,
          who,
          rewrites,
          'VIEW_SQL_SECURITY_REMOVED',
          view,
          'With the definer removed, the view runs with the default security of the migrating user.',
        )
      }
    }
  }
  rewriteCharsets(tokens, { start: viewAt, end: tokens.length - 1 }, target, view, rewrites)
  return { sql: tokens.map((t) => t.text).join(''), rewrites }
}

// ---------------------------------------------------------------------------------------------------------------

function rewriteCharsets(
  tokens: Token[],
  range: Range,
  target: TargetCapabilities,
  object: string,
  rewrites: Rewrite[],
): void {
  for (let i = range.start; i <= range.end; i++) {
    const t = tokens[i]!
    let valueAt = -1
    let isCollation = false
    if (isWord(t, 'COLLATE')) {
      valueAt = optionValue(tokens, i + 1, range.end + 1)
      isCollation = true
    } else if (isWord(t, 'CHARSET')) {
      valueAt = optionValue(tokens, i + 1, range.end + 1)
    } else if (isWord(t, 'CHARACTER')) {
      const set = nextSignificant(tokens, i + 1, range.end + 1)
      if (isWord(tokens[set], 'SET')) valueAt = optionValue(tokens, set + 1, range.end + 1)
    }
    const value = tokens[valueAt]
    if (value === undefined || (value.kind !== 'word' && value.kind !== 'quoted')) continue
    const name = identifierName(value)
    const mapped = isCollation ? targetCollation(name, target, object) : targetCharset(name, target, object)
    if (mapped === name.toLowerCase()) continue
    value.text = mapped
    rewrites.push(
      isCollation
        ? record(
            'COLLATION_MAPPED',
            object,
            name,
            mapped,
            `The target has no collation ${name}; ${mapped} is the nearest it has: ${collationChange(name, mapped)}.`,
          )
        : record('CHARSET_RENAMED', object, name, mapped, `The target calls the 3-byte UTF-8 charset ${mapped}.`),
    )
    i = valueAt
  }
}

/** MariaDB column attributes the TiDB parser rejects, each dropped and recorded. */
function rewriteMariadbColumnSyntax(tokens: Token[], def: Range, object: string, rewrites: Rewrite[]): void {
  let depth = 0
  for (let i = def.start; i <= def.end; i++) {
    const t = tokens[i]!
    if (isPunct(t, '(')) depth++
    if (isPunct(t, ')')) depth--
    if (depth > 0) continue
    const attribute = t.kind === 'comment' ? executableAttribute.exec(t.text)?.[1]?.toUpperCase() : undefined
    if (attribute !== undefined || isWord(t, 'INVISIBLE', 'COMPRESSED')) {
      let end = i
      const word = attribute ?? t.text.toUpperCase()
      if (word === 'COMPRESSED' && t.kind === 'word') {
        const eq = nextSignificant(tokens, i + 1, def.end + 1)
        if (isPunct(tokens[eq], '=')) end = nextSignificant(tokens, eq + 1, def.end + 1)
      }
      if (word === 'INVISIBLE') {
        const why = 'TiDB has no invisible columns; the column becomes visible, so SELECT * now returns it.'
        dropRange(tokens, i, end, rewrites, 'INVISIBLE_COLUMN', object, why)
      } else {
        const why = 'TiDB has no column compression (it compresses storage itself); the values are unchanged.'
        dropRange(tokens, i, end, rewrites, 'COMPRESSED_COLUMN', object, why)
      }
      i = end
      continue
    }
    // `WITH SYSTEM VERSIONING` / `WITHOUT SYSTEM VERSIONING` on a column, `[GENERATED ALWAYS] AS ROW START|END`.
    if (isWord(t, 'WITH', 'WITHOUT')) {
      const system = nextSignificant(tokens, i + 1, def.end + 1)
      const versioning = nextSignificant(tokens, system + 1, def.end + 1)
      if (isWord(tokens[system], 'SYSTEM') && isWord(tokens[versioning], 'VERSIONING')) {
        dropRange(
          tokens,
          i,
          versioning,
          rewrites,
          'SYSTEM_VERSIONING_DROPPED',
          object,
          'TiDB has no system-versioned tables.',
        )
        i = versioning
      }
      continue
    }
    if (isWord(t, 'GENERATED', 'AS')) {
      let at = i
      if (isWord(t, 'GENERATED')) {
        const always = nextSignificant(tokens, i + 1, def.end + 1)
        at = isWord(tokens[always], 'ALWAYS') ? nextSignificant(tokens, always + 1, def.end + 1) : always
      }
      if (!isWord(tokens[at], 'AS')) continue
      const row = nextSignificant(tokens, at + 1, def.end + 1)
      const edge = nextSignificant(tokens, row + 1, def.end + 1)
      if (isWord(tokens[row], 'ROW') && isWord(tokens[edge], 'START', 'END')) {
        dropRange(
          tokens,
          i,
          edge,
          rewrites,
          'SYSTEM_VERSIONING_DROPPED',
          object,
          'TiDB has no system-versioned tables; the row start/end column is copied as a plain column.',
        )
        i = edge
      }
    }
  }
}

/** The column's DEFAULT as TiDB takes it (tidbDefaults.ts): kept, tolerated, respelled, or refused. */
function rewriteDefault(
  tokens: Token[],
  def: Range,
  typeAt: number,
  { table, column, dataType }: { table: string; column: string; dataType: string },
  options: RewriteOptions,
  rewrites: Rewrite[],
  expectedWarnings: { code: number; column: string }[],
): void {
  const range = findDefault(tokens, typeAt + 1, def.end)
  if (range === null) return
  const afterType = nextSignificant(tokens, typeAt + 1, def.end + 1)
  const fsp =
    isPunct(tokens[afterType], '(') && /^(time|datetime|timestamp)$/.test(dataType)
      ? Number(tokens[nextSignificant(tokens, afterType + 1, def.end + 1)]?.text ?? 0)
      : 0
  let nullable = true
  for (let i = typeAt + 1; i <= def.end; i++) {
    if (isWord(tokens[i], 'NOT') && isWord(tokens[nextSignificant(tokens, i + 1, def.end + 1)], 'NULL'))
      nullable = false
  }
  const defaultSql = text(tokens, range)
  const verdict = tidbDefaultVerdict({ name: column, dataType, nullable, fsp }, defaultSql)
  const object = `${table}.${column}`
  const qualified = options.schema === undefined ? object : `${options.schema}.${object}`
  switch (verdict.kind) {
    case 'keep':
      return
    case 'tolerated':
      expectedWarnings.push({ code: verdict.warning, column })
      if (verdict.note !== null)
        rewrites.push(
          record(
            'BLOB_DEFAULT_IMPLICIT',
            object,
            `DEFAULT ${defaultSql}`,
            `(implicit ${defaultSql})`,
            `${verdict.note}.`,
          ),
        )
      return
    case 'rewrite':
      for (let i = range.start; i <= range.end; i++) tokens[i]!.text = i === range.start ? verdict.sql : ''
      rewrites.push(
        record('DEFAULT_REWRITTEN', object, `DEFAULT ${defaultSql}`, `DEFAULT ${verdict.sql}`, `${verdict.reason}.`),
      )
      return
    case 'refuse': {
      const dot = table.lastIndexOf('.')
      const ref =
        options.schema !== undefined
          ? { schema: options.schema, name: table }
          : { schema: dot < 0 ? '' : table.slice(0, dot), name: dot < 0 ? table : table.slice(dot + 1) }
      const refused: RefusedDefault = {
        object: qualified,
        column,
        error: verdict.error,
        reason: `${qualified} has DEFAULT ${defaultSql}: ${verdict.reason}.`,
        fix: refusedDefaultFix(ref, column),
      }
      if (options.refusedDefaults) {
        options.refusedDefaults.push(refused)
        return
      }
      throw new CutoverError({
        code: 'SCHEMA_UNSUPPORTED_DEFAULT',
        message: refused.reason,
        workaround: refused.fix,
        stage: 'schema',
      })
    }
  }
}

function rewriteTableOptions(
  tokens: Token[],
  from: number,
  target: TargetCapabilities,
  table: string,
  rewrites: Rewrite[],
): void {
  rewriteCharsets(tokens, { start: from, end: tokens.length - 1 }, target, table, rewrites)
  if (!target.isTidb) return
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!
    if (isWord(t, 'ENGINE')) {
      const value = tokens[optionValue(tokens, i + 1, tokens.length)]
      const engine = value === undefined ? '' : identifierName(value)
      if (
        value !== undefined &&
        (value.kind === 'word' || value.kind === 'quoted') &&
        !tidbEngines.has(engine.toLowerCase())
      ) {
        rewrites.push(
          record(
            'ENGINE_REPLACED',
            table,
            `ENGINE=${engine}`,
            'ENGINE=InnoDB',
            `TiDB has no ${engine} engine (error 1286); like MyISAM and MEMORY tables, the table becomes an ordinary transactional TiDB table: the same rows, with row-level locking and atomic statements where ${engine} may have had neither.`,
          ),
        )
        value.text = 'InnoDB'
      }
      continue
    }
    if (t.kind === 'word' && mariadbTableOptions.has(t.text.toUpperCase())) {
      const end = optionValue(tokens, i + 1, tokens.length)
      if (end < 0) continue
      dropRange(
        tokens,
        i,
        end,
        rewrites,
        'TABLE_OPTION_DROPPED',
        table,
        `${t.text.toUpperCase()} is a MariaDB (Aria/InnoDB) option TiDB cannot parse; TiDB manages storage itself.`,
      )
      i = end
    } else if (isWord(t, 'WITH')) {
      const system = nextSignificant(tokens, i + 1, tokens.length)
      const versioning = nextSignificant(tokens, system + 1, tokens.length)
      if (isWord(tokens[system], 'SYSTEM') && isWord(tokens[versioning], 'VERSIONING')) {
        dropRange(
          tokens,
          i,
          versioning,
          rewrites,
          'SYSTEM_VERSIONING_DROPPED',
          table,
          'TiDB has no system-versioned tables; current rows are migrated, history is not.',
        )
        i = versioning
      }
    }
  }
}

/** TiDB parses DESC key parts but builds ascending indexes (pingcap/tidb#2519); say so rather than rely on it. */
function dropDescendingParts(tokens: Token[], def: Range, kindAt: number, object: string, rewrites: Rewrite[]): void {
  const open = tokens.findIndex((t, i) => i > kindAt && i <= def.end && isPunct(t, '('))
  if (open < 0) return
  const close = matchingParen(tokens, open)
  let depth = 0
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!
    if (isPunct(t, '(')) depth++
    else if (isPunct(t, ')')) depth--
    else if (depth === 0 && isWord(t, 'DESC')) {
      removeRange(tokens, i, i)
      rewrites.push(
        record(
          'DESC_INDEX_PART',
          object,
          'DESC',
          'ASC',
          'TiDB does not support descending indexes; the index is built ascending (ORDER BY … DESC still works, scanning it backwards).',
        ),
      )
    }
  }
}

/** Dropped on the verdict, or on a TiDB target unless the target was seen to build one (its version does not tell). */
function dropsFulltext(target: TargetCapabilities): boolean {
  if (target.fulltext === 'drop') return true
  if (!target.isTidb) return false
  return target.fulltextProbe?.fulltext !== 'kept'
}

function spatialPolicy(target: TargetCapabilities, object: string, what: string): void {
  if (target.spatial === 'drop') return
  throw new CutoverError({
    code: 'SCHEMA_SPATIAL_UNSUPPORTED',
    message: `${object} has ${what}; TiDB supports no spatial types or indexes.`,
    workaround: 'Exclude the table from the job, or choose to drop spatial columns and indexes in the precheck.',
    stage: 'schema',
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Token-stream plumbing

function isDefinitionKeyword(t: Token): boolean {
  return isWord(t, ...indexKeywords, 'CONSTRAINT', 'FOREIGN', 'CHECK', 'PERIOD')
}

function nextSignificant(tokens: Token[], from: number, limit: number): number {
  for (let i = from; i < limit; i++) if (isSignificant(tokens[i]!)) return i
  return -1
}

/** The value of `NAME [=] value`, given the index after NAME. */
function optionValue(tokens: Token[], from: number, limit: number): number {
  const at = nextSignificant(tokens, from, limit)
  return isPunct(tokens[at], '=') ? nextSignificant(tokens, at + 1, limit) : at
}

function matchingParen(tokens: Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')') && --depth === 0) return i
  }
  throw unreadable('unbalanced parentheses')
}

/** Definitions between the parentheses, split at top-level commas, trimmed of surrounding whitespace. */
function splitTopLevel(tokens: Token[], from: number, to: number): Range[] {
  const ranges: Range[] = []
  let depth = 0
  let start = -1
  let end = -1
  for (let i = from; i <= to; i++) {
    const t = tokens[i]!
    if (i === to || (depth === 0 && isPunct(t, ','))) {
      if (start < 0) throw unreadable('an empty definition')
      ranges.push({ start, end })
      start = -1
      continue
    }
    if (isPunct(t, '(')) depth++
    if (isPunct(t, ')')) depth--
    if (t.kind !== 'space') {
      if (start < 0) start = i
      end = i
    }
  }
  return ranges
}

/** Rejoins the kept definitions, each with the separator that preceded it, so dropping one leaves no stray comma. */
function rebuildDefinitions(tokens: Token[], open: number, close: number, defs: Range[], dropped: Set<number>): string {
  const join = (from: number, to: number): string =>
    tokens
      .slice(from, to)
      .map((t) => t.text)
      .join('')
  const kept = defs.map((def, d) => ({ def, d })).filter(({ d }) => !dropped.has(d))
  const first = defs[0]!
  const last = defs[defs.length - 1]!
  let out = join(open + 1, first.start)
  kept.forEach(({ def, d }, k) => {
    if (k > 0) out += join(defs[d - 1]!.end + 1, def.start)
    out += join(def.start, def.end + 1)
  })
  return out + join(last.end + 1, close)
}

/** Removes tokens `from..to` (see removeRange) and records the removal: `code` on `object`, for `reason`. */
function dropRange(
  tokens: Token[],
  from: number,
  to: number,
  rewrites: Rewrite[],
  code: string,
  object: string,
  reason: string,
): void {
  const before = text(tokens, { start: from, end: to })
  removeRange(tokens, from, to)
  rewrites.push(record(code, object, before, '', reason))
}

/** Blanks tokens `from..to` and the whitespace just before them. */
function removeRange(tokens: Token[], from: number, to: number): void {
  for (let i = from; i <= to; i++) tokens[i]!.text = ''
  const before = tokens[from - 1]
  if (before?.kind === 'space') before.text = ''
}

function text(tokens: Token[], range: Range): string {
  return tokens
    .slice(range.start, range.end + 1)
    .map((t) => t.text)
    .join('')
}

/** `db`.`t` or `t` before `limit`, as `db.t` / `t`. */
function lastIdentifier(tokens: Token[], from: number, limit: number): string {
  const parts: string[] = []
  for (let i = from; i < limit; i++) {
    const t = tokens[i]!
    if (
      t.kind === 'quoted' ||
      (t.kind === 'word' && !isWord(t, 'CREATE', 'TEMPORARY', 'TABLE', 'IF', 'NOT', 'EXISTS', 'OR', 'REPLACE'))
    ) {
      if (!isPunct(tokens[i - 1], '.')) parts.length = 0
      parts.push(identifierName(t))
    }
  }
  if (parts.length === 0) throw unreadable('no object name')
  return parts.join('.')
}

function indexName(tokens: Token[], def: Range, kindAt: number): string {
  for (let i = kindAt + 1; i <= def.end; i++) {
    const t = tokens[i]!
    if (isPunct(t, '(')) break
    if (t.kind === 'quoted') return identifierName(t)
  }
  return isWord(tokens[kindAt], 'PRIMARY') ? 'PRIMARY' : '(unnamed)'
}

/** Column names in an index's part list. */
function indexParts(tokens: Token[], def: Range): string[] {
  const open = tokens.findIndex((t, i) => i >= def.start && i <= def.end && isPunct(t, '('))
  if (open < 0) return []
  const close = matchingParen(tokens, open)
  return tokens
    .slice(open + 1, close)
    .filter((t) => t.kind === 'quoted')
    .map(identifierName)
}

/** The last token of a definer: `user`@`host`, 'user'@'host', CURRENT_USER or CURRENT_USER(). */
function definerEnd(tokens: Token[], from: number, limit: number): number {
  const user = nextSignificant(tokens, from, limit)
  if (isWord(tokens[user], 'CURRENT_USER')) {
    const open = nextSignificant(tokens, user + 1, limit)
    return isPunct(tokens[open], '(') ? matchingParen(tokens, open) : user
  }
  const at = user + 1
  return isPunct(tokens[at], '@') ? at + 1 : user
}

function record(code: string, object: string, before: string, after: string, reason: string): Rewrite {
  return { code, object, before, after, reason }
}

function unreadable(what: string): CutoverError {
  return new CutoverError({
    code: 'SCHEMA_DDL_UNREADABLE',
    message: `Cannot read the DDL: ${what}.`,
    workaround:
      'Report this with the SHOW CREATE output of the object; create the object on the target by hand and exclude it from the job.',
    stage: 'schema',
  })
}
