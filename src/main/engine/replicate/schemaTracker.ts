/**
 * The job's own schema history: which columns (names, types, order) and unique keys each in-scope table had at
 * the binlog position being decoded. Seeded from the source at the snapshot, advanced by every DDL in binlog
 * order, and saved with the checkpoint, so decoding never asks the live information_schema (which describes the
 * schema *now*, not when an old event was written: toolchain.md §6 shows the silent column shift that causes).
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { JobConfig } from '../../../shared/domain/job'
import { isSystemSchema } from '../../../shared/domain/sourceObjects'
import type { SqlSession } from '../connect/session'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import { readColumns, tablePairFilter } from '../vocabulary/columnCatalog'
import { tableKey } from '../vocabulary/tableRef'
import { hasRowIdentity } from '../vocabulary/rowIdentity'
import { identifierName, isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'
import {
  cutOverStatements,
  findCutOvers,
  findToolTables,
  keepsTable,
  toolTable,
  type OnlineDdlStep,
  type ShadowRecord,
  type ToolTable,
} from './onlineSchemaChange'

export interface UniqueKey {
  name: string
  columns: string[]
  primary: boolean
}

export interface TrackedTable {
  ref: TableRef
  columns: ColumnInfo[]
  /** Every unique index whose parts are whole columns (prefix and expression parts cannot identify a row). */
  uniqueKeys: UniqueKey[]
  /** Bumped by every DDL on the table, so decoded rows can say which definition they were read with. */
  version: number
  /**
   * The table's default character set: text columns added without one get it, CONVERT TO CHARACTER SET changes
   * every text column to it. Absent or null when not known (histories saved before it was tracked).
   */
  charset?: string | null
  /** Set on an online schema change tool's shadow table (`_t_gho`, `_t_new`): its real table and recorded ALTERs. */
  shadow?: ShadowRecord
}

/** Column types whose values are text in a character set (ENUM and SET travel as numbers). */
const textTypes = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'])

/** The character set a table option list sets (`[DEFAULT] CHARSET [=] x`, `COLLATE [=] y`), if any. */
function tableCharsetOption(
  tokens: Token[],
  from: number,
  to: number,
): { charset: string; collation: string | null } | null {
  let charset: string | null = null
  let collation: string | null = null
  for (let k = from; k < to; k++) {
    const named = (at: number) => identifierName(tokens[isPunct(tokens[at], '=') ? at + 1 : at]!).toLowerCase()
    if (isWord(tokens[k], 'CHARSET')) charset = named(k + 1)
    else if (isWord(tokens[k], 'CHARACTER') && isWord(tokens[k + 1], 'SET')) charset = named(k + 2)
    else if (isWord(tokens[k], 'COLLATE')) collation = named(k + 1)
  }
  charset ??= collation ? charsetOfCollation(collation) : null
  return charset && charset !== 'default' ? { charset, collation } : null
}

const charsetOfCollation = (collation: string) => collation.toLowerCase().split('_')[0]!

/** A column parsed from DDL without a character set of its own takes the table's. */
function withTableCharset(column: ColumnInfo, charset: string | null | undefined): ColumnInfo {
  if (column.charset !== null || !charset || !textTypes.has(column.dataType)) return column
  return { ...column, charset }
}

/** What a DDL statement means for replication. */
export type DdlEffect =
  | { kind: 'transaction' } // BEGIN / COMMIT / ROLLBACK / XA / SAVEPOINT
  | { kind: 'ignore'; reason: string } // out of scope, or nothing the target needs
  | {
      kind: 'apply'
      tables: TableRef[]
      database: string | null
      keysChanged: TableRef[]
      statement: string
      /** A step of an online schema change tool (onlineSchemaChange.ts): not the statement, this is applied. */
      online?: OnlineDdlStep
    }
  | { kind: 'dml'; table: TableRef | null } // statement-format data change: cannot be replicated exactly

const identityCache = new WeakMap<readonly UniqueKey[], WeakMap<readonly ColumnInfo[], boolean>>()
/**
 * Whether the table has a row-identity key (vocabulary/rowIdentity.ts): one a replay in safe mode finds its row by.
 * Its unique keys hold whole columns only; a nullable or FLOAT part still leaves it without one.
 */
export function identifiesRows(table: Pick<TrackedTable, 'uniqueKeys' | 'columns'>): boolean {
  let byColumns = identityCache.get(table.uniqueKeys)
  if (!byColumns) identityCache.set(table.uniqueKeys, (byColumns = new WeakMap()))
  let identity = byColumns.get(table.columns)
  if (identity === undefined) {
    const indexes = table.uniqueKeys.map((k) => ({
      name: k.primary ? 'PRIMARY' : k.name,
      parts: k.columns.map((column) => ({ column, subPart: null })),
    }))
    identity = hasRowIdentity(indexes, table.columns)
    byColumns.set(table.columns, identity)
  }
  return identity
}

export interface SchemaTracker {
  get(schema: string, table: string): TrackedTable | undefined
  tables(): TrackedTable[]
  /** The job's objects only; system schemas and online schema change tools' tables never (their rows are skipped). */
  inScope(schema: string, table: string | null): boolean
  /** Advances the history by one statement of a binlog Query event whose default database was `defaultSchema`. */
  applyStatement(statement: string, defaultSchema: string): DdlEffect
  setUniqueKeys(ref: TableRef, keys: UniqueKey[]): void
  serialize(): string
}

export function createSchemaTracker(objects: JobConfig['objects'], seed: TrackedTable[]): SchemaTracker {
  const byName = new Map<string, TrackedTable>(seed.map((t) => [tableKey(t.ref), t]))

  function objectsInclude(schema: string, table: string | null): boolean {
    if (isSystemSchema(schema)) return false
    if (objects === 'all') return true
    if (objects.includes(schema)) return true
    return table !== null && objects.includes(`${schema}.${table}`)
  }

  /** The tool table `ref` is, when its real table is one the history tracks. */
  function toolTableOf(ref: TableRef): ToolTable | null {
    if (isSystemSchema(ref.schema)) return null
    return toolTable(ref.name, (name) => byName.has(tableKey({ schema: ref.schema, name })))
  }

  function inScope(schema: string, table: string | null): boolean {
    if (!objectsInclude(schema, table)) return false
    return table === null || toolTableOf({ schema, name: table }) === null
  }

  function bump(t: TrackedTable): void {
    t.version += 1
  }

  function requireTable(ref: TableRef, statement: string): TrackedTable {
    const t = byName.get(tableKey(ref))
    if (!t) {
      throw new CutoverError({
        code: 'REPLICATE_SCHEMA_UNKNOWN_TABLE',
        stage: 'incremental',
        message: `The binlog alters ${ref.schema}.${ref.name}, which the job's schema history does not know: ${statement.slice(0, 200)}`,
        workaround: 'Start a new job from a fresh snapshot so the schema history includes the table.',
      })
    }
    return t
  }

  function applyStatement(statement: string, defaultSchema: string): DdlEffect {
    const tokens = tokenize(statement).filter(isSignificant)
    const words = (i: number, ...w: string[]) => isWord(tokens[i], ...w)
    const first = tokens[0]?.text.toUpperCase() ?? ''
    if (['BEGIN', 'COMMIT', 'ROLLBACK', 'XA', 'SAVEPOINT', 'RELEASE'].includes(first)) return { kind: 'transaction' }
    if (['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'LOAD'].includes(first)) {
      const ref = dmlTarget(tokens, defaultSchema)
      if (ref ? inScope(ref.schema, ref.name) : defaultSchema !== '' && inScope(defaultSchema, null))
        return { kind: 'dml', table: ref }
      return { kind: 'ignore', reason: 'statement-format change outside the job' }
    }
    if (first === 'TRUNCATE') {
      const at = words(1, 'TABLE') ? 2 : 1
      const [ref] = readName(tokens, at, defaultSchema)
      if (!inScope(ref.schema, ref.name)) return { kind: 'ignore', reason: 'out of scope' }
      return { kind: 'apply', tables: [ref], database: null, keysChanged: [], statement }
    }
    if (first === 'RENAME' && words(1, 'TABLE')) return renameTables(tokens, 2, defaultSchema, statement)
    if (first === 'DROP' && (words(1, 'TABLE') || (words(1, 'TEMPORARY') && words(2, 'TABLE')))) {
      if (words(1, 'TEMPORARY')) return { kind: 'ignore', reason: 'temporary table' }
      let i = 2
      if (words(i, 'IF') && words(i + 1, 'EXISTS')) i += 2
      const dropped: TableRef[] = []
      for (;;) {
        const [ref, next] = readName(tokens, i, defaultSchema)
        // A tool's table is not on the target: only the history forgets it (a shadow, when the tool gave up).
        if (toolTableOf(ref)) byName.delete(tableKey(ref))
        else if (inScope(ref.schema, ref.name)) dropped.push(ref)
        i = next
        if (!isPunct(tokens[i], ',')) break
        i++
      }
      for (const ref of dropped) byName.delete(tableKey(ref))
      if (dropped.length === 0) return { kind: 'ignore', reason: 'out of scope' }
      return { kind: 'apply', tables: dropped, database: null, keysChanged: [], statement: dropStatement(dropped) }
    }
    if ((first === 'CREATE' || first === 'DROP' || first === 'ALTER') && words(1, 'DATABASE', 'SCHEMA')) {
      let i = 2
      while (words(i, 'IF', 'NOT', 'EXISTS')) i++
      const name = tokens[i] ? identifierName(tokens[i]!) : ''
      if (objects === 'all' ? isSystemSchema(name) : !objects.includes(name))
        return { kind: 'ignore', reason: 'out of scope' }
      if (first === 'DROP') for (const [k, t] of byName) if (t.ref.schema === name) byName.delete(k)
      return { kind: 'apply', tables: [], database: name, keysChanged: [], statement }
    }
    if (first === 'CREATE') {
      let i = 1
      if (words(i, 'OR') && words(i + 1, 'REPLACE')) i += 2
      if (words(i, 'TEMPORARY')) return { kind: 'ignore', reason: 'temporary table' }
      if (words(i, 'TABLE')) return createTable(tokens, i + 1, defaultSchema, statement)
      if (words(i, 'UNIQUE', 'INDEX', 'FULLTEXT', 'SPATIAL')) {
        const on = tokens.findIndex((t) => isWord(t, 'ON'))
        const [ref] = readName(tokens, on + 1, defaultSchema)
        if (!inScope(ref.schema, ref.name)) return { kind: 'ignore', reason: 'out of scope' }
        bump(requireTable(ref, statement))
        return { kind: 'apply', tables: [ref], database: null, keysChanged: [ref], statement }
      }
      return { kind: 'ignore', reason: 'views, triggers, routines and events are not replicated' }
    }
    if (first === 'DROP' && words(1, 'INDEX')) {
      const on = tokens.findIndex((t) => isWord(t, 'ON'))
      const [ref] = readName(tokens, on + 1, defaultSchema)
      if (!inScope(ref.schema, ref.name)) return { kind: 'ignore', reason: 'out of scope' }
      bump(requireTable(ref, statement))
      return { kind: 'apply', tables: [ref], database: null, keysChanged: [ref], statement }
    }
    if (first === 'ALTER') {
      let i = 1
      while (words(i, 'ONLINE', 'IGNORE')) i++
      if (!words(i, 'TABLE')) return { kind: 'ignore', reason: 'not a table' }
      i++
      if (words(i, 'IF') && words(i + 1, 'EXISTS')) i += 2
      const [ref, nameEnd] = readName(tokens, i, defaultSchema)
      // MariaDB: ALTER TABLE t [WAIT n | NOWAIT] clause, …
      const next = words(nameEnd, 'WAIT') ? nameEnd + 2 : words(nameEnd, 'NOWAIT') ? nameEnd + 1 : nameEnd
      const shadow = byName.get(tableKey(ref))
      if (shadow?.shadow && toolTableOf(ref)) {
        // Recorded against the shadow, applied to its real table at the tool's cut-over.
        alterTable(shadow, tokens, next, defaultSchema, statement)
        shadow.shadow = { ...shadow.shadow, alters: [...shadow.shadow.alters, statement] }
        return recorded(shadow, statement)
      }
      if (!inScope(ref.schema, ref.name)) return { kind: 'ignore', reason: 'out of scope' }
      return alterTable(requireTable(ref, statement), tokens, next, defaultSchema, statement)
    }
    // ANALYZE, OPTIMIZE, FLUSH, GRANT, CREATE USER, SET, …: nothing on the target's tables changes.
    return { kind: 'ignore', reason: 'not a schema change' }
  }

  /** An ALTER or CREATE of a shadow: the history has it, the target gets nothing until the cut-over. */
  function recorded(shadow: TrackedTable, statement: string): DdlEffect {
    const record = shadow.shadow!
    const table = { schema: shadow.ref.schema, name: record.table }
    return {
      kind: 'apply',
      tables: [],
      database: null,
      keysChanged: [],
      statement,
      online: { kind: 'record', tool: record.tool, table, shadow: shadow.ref },
    }
  }

  function renameTables(tokens: Token[], from: number, defaultSchema: string, statement: string): DdlEffect {
    let i = from
    // MariaDB: RENAME TABLE [IF EXISTS] a [WAIT n | NOWAIT] TO b, …
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) i += 2
    const pairs: { from: TableRef; to: TableRef }[] = []
    for (;;) {
      const [old, nameEnd] = readName(tokens, i, defaultSchema)
      const afterOld = isWord(tokens[nameEnd], 'WAIT')
        ? nameEnd + 2
        : isWord(tokens[nameEnd], 'NOWAIT')
          ? nameEnd + 1
          : nameEnd
      if (!isWord(tokens[afterOld], 'TO')) throw unreadable(statement)
      const [renamed, next] = readName(tokens, afterOld + 1, defaultSchema)
      pairs.push({ from: old, to: renamed })
      i = next
      if (!isPunct(tokens[i], ',')) break
      i++
    }
    const { cutOvers, rest } = findCutOvers(pairs, (ref) => byName.has(tableKey(ref)))
    const cutOver = cutOvers.find((c) => inScope(c.table.schema, c.table.name))
    const moved: TableRef[] = []
    for (const { from: old, to: renamed } of rest) {
      // The real table moved aside for its shadow (two-step cut-over): the history keeps it until the shadow comes.
      if (keepsTable({ from: old, to: renamed }, toolTableOf)) continue
      // Moves among a tool's tables (or of a shadow the history does not track) leave the target as it is.
      if (toolTableOf(old) || toolTableOf(renamed)) {
        byName.delete(tableKey(old))
        continue
      }
      const t = byName.get(tableKey(old))
      const keepOld = inScope(old.schema, old.name)
      const keepNew = inScope(renamed.schema, renamed.name)
      if (keepOld !== keepNew) {
        throw new CutoverError({
          code: 'REPLICATE_DDL_UNSUPPORTED',
          stage: 'incremental',
          message: `RENAME TABLE moves ${old.schema}.${old.name} ${keepOld ? 'out of' : 'into'} the job's objects: ${statement.slice(0, 200)}`,
          workaround: 'Start a new job whose objects cover both names, from a fresh snapshot.',
        })
      }
      if (keepOld && t) {
        byName.delete(tableKey(old))
        byName.set(tableKey(renamed), { ...t, ref: renamed, version: t.version + 1 })
        moved.push(old, renamed)
      }
    }
    if (cutOver && moved.length > 0) {
      throw new CutoverError({
        code: 'REPLICATE_DDL_UNSUPPORTED',
        stage: 'incremental',
        message: `RENAME TABLE swaps in ${cutOver.tool}'s ${cutOver.shadow.name} and renames other tables in the same statement: ${statement.slice(0, 200)}`,
        workaround: 'Start a new job from a fresh snapshot taken after the rename.',
      })
    }
    if (cutOver) return swapShadow(cutOver.table, cutOver.shadow, statement)
    if (moved.length === 0) return { kind: 'ignore', reason: 'out of scope' }
    return { kind: 'apply', tables: moved, database: null, keysChanged: [], statement }
  }

  /**
   * A tool's cut-over: the shadow becomes the table in the history, and the ALTERs recorded on it are what the
   * target's table needs. A shadow whose creation came before the job's start (its ALTERs unseen) needs none only
   * when the history shows it equal to the table; otherwise the statements are unknown (null).
   */
  function swapShadow(table: TableRef, shadowRef: TableRef, statement: string): DdlEffect {
    const real = requireTable(table, statement)
    const shadow = byName.get(tableKey(shadowRef))
    const tool = toolTableOf(shadowRef)!.tool
    const record: ShadowRecord = shadow?.shadow ?? { tool, table: table.name, alters: [], createSeen: false }
    const statements = record.createSeen
      ? cutOverStatements(record, table)
      : shadow && record.sameIndexesAtStart !== false && sameDefinition(shadow, real)
        ? []
        : null
    byName.delete(tableKey(shadowRef))
    if (shadow) {
      const promoted: TrackedTable = { ...shadow, ref: table, version: real.version + 1 }
      delete promoted.shadow
      byName.set(tableKey(table), promoted)
    }
    return {
      kind: 'apply',
      tables: [table],
      database: null,
      keysChanged: [table],
      statement,
      online: { kind: 'cutover', tool, table, shadow: shadowRef, statements },
    }
  }

  function createTable(tokens: Token[], from: number, defaultSchema: string, statement: string): DdlEffect {
    let i = from
    const ifNotExists = isWord(tokens[i], 'IF')
    if (ifNotExists) i += 3
    const [ref, next] = readName(tokens, i, defaultSchema)
    const tool = toolTableOf(ref)
    if (tool && (tool.role !== 'shadow' || !inScope(ref.schema, tool.table)))
      return { kind: 'ignore', reason: `${tool.tool}'s ${tool.role} table` }
    if (!tool && !inScope(ref.schema, ref.name)) return { kind: 'ignore', reason: 'out of scope' }
    if (ifNotExists && byName.has(tableKey(ref))) return { kind: 'ignore', reason: 'table exists' }
    const effect = createdTable(tokens, next, ref, defaultSchema, statement)
    const created = byName.get(tableKey(ref))!
    if (!tool) return effect
    created.shadow = { tool: tool.tool, table: tool.table, alters: [], createSeen: true }
    return recorded(created, statement)
  }

  function createdTable(
    tokens: Token[],
    next: number,
    ref: TableRef,
    defaultSchema: string,
    statement: string,
  ): DdlEffect {
    if (isWord(tokens[next], 'LIKE') || (isPunct(tokens[next], '(') && isWord(tokens[next + 1], 'LIKE'))) {
      const at = isPunct(tokens[next], '(') ? next + 2 : next + 1
      const [like] = readName(tokens, at, defaultSchema)
      const t = requireTable(like, statement)
      byName.set(tableKey(ref), {
        ref,
        columns: t.columns.map((c) => ({ ...c })),
        uniqueKeys: t.uniqueKeys.map((k) => ({ ...k, columns: [...k.columns] })),
        version: 0,
        charset: t.charset ?? null,
      })
      return { kind: 'apply', tables: [ref], database: null, keysChanged: [ref], statement }
    }
    if (!isPunct(tokens[next], '(')) throw unreadable(statement)
    const close = matchingParen(tokens, next, statement)
    const columns: ColumnInfo[] = []
    const keys: UniqueKey[] = []
    for (const def of splitTopLevel(tokens, next + 1, close)) {
      const head = def[0]
      if (!head) continue
      if (head.kind === 'quoted' || (head.kind === 'word' && !isWord(head, ...clauseWords))) {
        const column = parseColumnDefinition(def, statement)
        columns.push(column.info)
        if (column.primary) keys.push({ name: 'PRIMARY', columns: [column.info.name], primary: true })
        if (column.unique) keys.push({ name: column.info.name, columns: [column.info.name], primary: false })
      }
    }
    if (columns.length === 0) throw unreadable(statement)
    const charset = tableCharsetOption(tokens, close + 1, tokens.length)?.charset ?? null
    byName.set(tableKey(ref), {
      ref,
      columns: columns.map((c) => withTableCharset(c, charset)),
      uniqueKeys: keys,
      version: 0,
      charset,
    })
    // Unique keys are read back from the target after the statement ran there (the index clauses are many).
    return { kind: 'apply', tables: [ref], database: null, keysChanged: [ref], statement }
  }

  function alterTable(
    t: TrackedTable,
    tokens: Token[],
    from: number,
    defaultSchema: string,
    statement: string,
  ): DdlEffect {
    const columns = t.columns.map((c) => ({ ...c }))
    let charset = t.charset
    let renamedTo: TableRef | null = null
    let keysChanged = false
    const indexOf = (name: string) => columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase())
    const place = (column: ColumnInfo, spec: Token[], at: number, replacing: number) => {
      // FIRST / AFTER x (MySQL and MariaDB both allow them on ADD, MODIFY and CHANGE).
      const firstAt = spec.findIndex((tk, k) => k >= at && isWord(tk, 'FIRST'))
      const afterAt = spec.findIndex((tk, k) => k >= at && isWord(tk, 'AFTER'))
      if (replacing >= 0 && firstAt < 0 && afterAt < 0) {
        columns[replacing] = column
        return
      }
      if (replacing >= 0) columns.splice(replacing, 1)
      if (firstAt >= 0) columns.unshift(column)
      else if (afterAt >= 0) {
        const anchor = indexOf(identifierName(spec[afterAt + 1]!))
        if (anchor < 0) throw unreadable(statement)
        columns.splice(anchor + 1, 0, column)
      } else columns.push(column)
    }
    const end = tokens.length
    for (const spec of splitTopLevel(tokens, from, end)) {
      let k = 0
      const w = (...x: string[]) => isWord(spec[k], ...x)
      if (w('ADD')) {
        k++
        if (w('COLUMN')) k++
        if (w('IF') && isWord(spec[k + 1], 'NOT')) k += 3
        if (isPunct(spec[k], '(')) {
          // ADD (a INT, b INT): appended in order.
          const close = matchingParen(spec, k, statement)
          for (const def of splitTopLevel(spec, k + 1, close))
            columns.push(withTableCharset(parseColumnDefinition(def, statement).info, t.charset))
          continue
        }
        if (w(...clauseWords, 'PARTITION', 'SYSTEM')) {
          keysChanged = true
          continue
        }
        const parsed = parseColumnDefinition(spec.slice(k), statement)
        if (indexOf(parsed.info.name) >= 0) continue // IF NOT EXISTS on an existing column
        keysChanged ||= parsed.primary || parsed.unique
        place(withTableCharset(parsed.info, t.charset), spec, k, -1)
      } else if (w('DROP')) {
        k++
        if (w('PRIMARY', 'INDEX', 'KEY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'SYSTEM', 'PERIOD')) {
          keysChanged = true
          continue
        }
        if (w('COLUMN')) k++
        if (w('IF') && isWord(spec[k + 1], 'EXISTS')) k += 2
        const at = indexOf(identifierName(spec[k]!))
        if (at >= 0) {
          columns.splice(at, 1)
          keysChanged = true // a dropped column leaves its indexes
        }
      } else if (w('MODIFY', 'CHANGE')) {
        const change = w('CHANGE')
        k++
        if (w('COLUMN')) k++
        if (w('IF') && isWord(spec[k + 1], 'EXISTS')) k += 2
        const oldName = identifierName(spec[change ? k++ : k]!)
        const at = indexOf(oldName)
        if (at < 0) continue // IF EXISTS on a missing column
        const parsed = parseColumnDefinition(spec.slice(k), statement)
        keysChanged ||= parsed.primary || parsed.unique || change
        place(withTableCharset(parsed.info, t.charset), spec, k, at)
      } else if (w('RENAME')) {
        k++
        if (w('COLUMN')) {
          const at = indexOf(identifierName(spec[k + 1]!))
          if (at >= 0) columns[at] = { ...columns[at]!, name: identifierName(spec[k + 3]!) }
          keysChanged = true
        } else if (w('INDEX', 'KEY')) {
          keysChanged = true
        } else {
          if (w('TO', 'AS')) k++
          ;[renamedTo] = readName(spec, k, defaultSchema)
        }
      } else if (w('CONVERT')) {
        // CONVERT TO CHARACTER SET x: every text column is in x from here on (its values are transcoded).
        const to = tableCharsetOption(spec, k + 1, spec.length)
        if (!to) throw unreadable(statement)
        charset = to.charset
        for (let c = 0; c < columns.length; c++) {
          if (textTypes.has(columns[c]!.dataType) && columns[c]!.charset !== 'binary')
            columns[c] = { ...columns[c]!, charset: to.charset, collation: to.collation }
        }
      } else if (w('DEFAULT', 'CHARSET', 'CHARACTER', 'COLLATE')) {
        // The table's default for columns added later; existing columns keep theirs.
        charset = tableCharsetOption(spec, k, spec.length)?.charset ?? charset
      }
      // ALTER COLUMN … SET/DROP DEFAULT, ENGINE=, ALGORITHM=, LOCK=, FORCE, table options: no column change.
    }
    t.columns = columns
    t.charset = charset
    bump(t)
    const tables = [t.ref]
    if (renamedTo) {
      if (!inScope(renamedTo.schema, renamedTo.name)) {
        throw new CutoverError({
          code: 'REPLICATE_DDL_UNSUPPORTED',
          stage: 'incremental',
          message: `ALTER TABLE … RENAME moves ${t.ref.schema}.${t.ref.name} out of the job's objects.`,
          workaround: 'Start a new job whose objects cover both names, from a fresh snapshot.',
        })
      }
      byName.delete(tableKey(t.ref))
      t.ref = renamedTo
      byName.set(tableKey(renamedTo), t)
      tables.push(renamedTo)
    }
    return { kind: 'apply', tables, database: null, keysChanged: keysChanged ? [t.ref] : [], statement }
  }

  return {
    get: (schema, table) => byName.get(tableKey({ schema, name: table })),
    tables: () => [...byName.values()],
    inScope,
    applyStatement,
    setUniqueKeys(ref, keys) {
      const t = byName.get(tableKey(ref))
      if (t) t.uniqueKeys = keys
    },
    serialize: () => JSON.stringify([...byName.values()]),
  }
}

/** Same columns (names, types, nullability, character sets) and unique keys, in the same order. */
function sameDefinition(a: TrackedTable, b: TrackedTable): boolean {
  const shape = (t: TrackedTable) =>
    JSON.stringify([
      t.columns.map((c) => [c.name.toLowerCase(), c.columnType, c.nullable, c.generated, c.charset, c.collation]),
      t.uniqueKeys.map((k) => [k.primary, k.columns.map((c) => c.toLowerCase())]),
    ])
  return shape(a) === shape(b)
}

export function restoreSchemaTracker(objects: JobConfig['objects'], serialized: string): SchemaTracker {
  return createSchemaTracker(objects, JSON.parse(serialized) as TrackedTable[])
}

/**
 * The history's first tables: the job's, and the shadows of online schema change tools working on them now (their
 * ALTERs ran before this point, unseen: a cut-over then applies nothing unless the shadow equals its table).
 */
export async function readHistorySeed(session: SqlSession, tables: TableRef[]): Promise<TrackedTable[]> {
  const { shadows } = await findToolTables(session, tables)
  const seed = await readTrackedTables(session, [
    ...tables,
    ...shadows.map((s) => ({ schema: s.schema, name: s.name })),
  ])
  for (const t of seed) {
    const s = shadows.find((x) => x.schema === t.ref.schema && x.name === t.ref.name)
    if (!s) continue
    const [own, real] = await Promise.all([
      indexSignature(session, t.ref),
      indexSignature(session, { schema: s.schema, name: s.table }),
    ])
    t.shadow = { tool: s.tool, table: s.table, alters: [], createSeen: false, sameIndexesAtStart: own === real }
  }
  return seed
}

/** Every index of a table (name, uniqueness, parts, prefix lengths) as one comparable string. */
async function indexSignature(session: SqlSession, ref: TableRef): Promise<string> {
  const rows = await session.query<Record<string, unknown>>(
    `SELECT INDEX_NAME AS i, NON_UNIQUE AS u, SEQ_IN_INDEX AS n, COLUMN_NAME AS c, SUB_PART AS p, INDEX_TYPE AS t
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [ref.schema, ref.name],
  )
  return JSON.stringify(rows.map((r) => [r.i, Number(r.u), Number(r.n), r.c, r.p, r.t]))
}

/** Columns and unique keys of the given tables, as information_schema shows them now. */
export async function readTrackedTables(session: SqlSession, tables: TableRef[]): Promise<TrackedTable[]> {
  if (tables.length === 0) return []
  const out = new Map<string, TrackedTable>()
  for (let i = 0; i < tables.length; i += 500) {
    const batch = tables.slice(i, i + 500)
    const { sql: filter, params } = tablePairFilter(batch)
    const refs = new Map(batch.map((t) => [tableKey(t), { schema: t.schema, name: t.name }]))
    const defaults = new Map(
      (
        await session.query<{ s: string; t: string; c: string | null }>(
          `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, TABLE_COLLATION AS c FROM information_schema.TABLES WHERE ${filter}`,
          params,
        )
      ).map((r) => [tableKey({ schema: r.s, name: r.t }), r.c ? charsetOfCollation(r.c) : null]),
    )
    for (const [key, columns] of await readColumns(session, batch)) {
      const ref = refs.get(key)
      if (ref) out.set(key, { ref, columns, uniqueKeys: [], version: 0, charset: defaults.get(key) ?? null })
    }
    const keys = await readUniqueKeysBatch(session, filter, params)
    for (const [k, list] of keys) {
      const t = out.get(k)
      if (t) t.uniqueKeys = list
    }
  }
  return tables.flatMap((t) => out.get(tableKey(t)) ?? [])
}

/** The unique keys of one table as a server shows them (the target's, after a DDL ran there). */
export async function readUniqueKeys(session: SqlSession, ref: TableRef): Promise<UniqueKey[]> {
  const keys = await readUniqueKeysBatch(session, '(TABLE_SCHEMA, TABLE_NAME) IN ((?, ?))', [ref.schema, ref.name])
  return keys.get(tableKey(ref)) ?? []
}

async function readUniqueKeysBatch(
  session: SqlSession,
  filter: string,
  params: string[],
): Promise<Map<string, UniqueKey[]>> {
  const rows = await session.query<{
    TABLE_SCHEMA: string
    TABLE_NAME: string
    INDEX_NAME: string
    COLUMN_NAME: string | null
    SUB_PART: unknown
  }>(
    `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
     WHERE ${filter} AND NON_UNIQUE = 0 ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    params,
  )
  const byIndex = new Map<string, { table: string; name: string; columns: (string | null)[]; whole: boolean }>()
  for (const r of rows) {
    const table = tableKey({ schema: r.TABLE_SCHEMA, name: r.TABLE_NAME })
    const id = `${table}\u0000${r.INDEX_NAME}`
    const ix = byIndex.get(id) ?? { table, name: r.INDEX_NAME, columns: [], whole: true }
    ix.columns.push(r.COLUMN_NAME)
    if (r.SUB_PART !== null || r.COLUMN_NAME === null) ix.whole = false
    byIndex.set(id, ix)
  }
  const out = new Map<string, UniqueKey[]>()
  for (const ix of byIndex.values()) {
    if (!ix.whole) continue
    const list = out.get(ix.table) ?? []
    list.push({ name: ix.name, columns: ix.columns as string[], primary: ix.name === 'PRIMARY' })
    out.set(ix.table, list)
  }
  for (const list of out.values())
    list.sort((a, b) => Number(b.primary) - Number(a.primary) || a.columns.length - b.columns.length)
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Whether a DDL took effect on the target.

/** One thing the target shows once a DDL took effect: a table, a column, an index or a database there or gone. */
export type DdlMark =
  | { kind: 'database'; name: string; exists: boolean }
  | { kind: 'table'; ref: TableRef; exists: boolean }
  | { kind: 'column'; ref: TableRef; name: string; exists: boolean }
  | { kind: 'index'; ref: TableRef; name: string; exists: boolean }

/**
 * What the target must show once `statement` took effect: the tables and columns the history has after it and not
 * before (or before and not after), and the named indexes it adds, drops or renames. Empty when none of these
 * change (a type change, TRUNCATE, an unnamed index): the statement then cannot be told applied from not applied.
 */
export function ddlMarks(
  before: TrackedTable[],
  after: TrackedTable[],
  statement: string,
  defaultSchema: string,
): DdlMark[] {
  const marks: DdlMark[] = []
  const tokens = tokenize(statement).filter(isSignificant)
  const words = (i: number, ...w: string[]) => isWord(tokens[i], ...w)
  const first = tokens[0]?.text.toUpperCase() ?? ''
  if ((first === 'CREATE' || first === 'DROP') && words(1, 'DATABASE', 'SCHEMA')) {
    let i = 2
    while (words(i, 'IF', 'NOT', 'EXISTS')) i++
    if (tokens[i]) marks.push({ kind: 'database', name: identifierName(tokens[i]!), exists: first === 'CREATE' })
    return marks
  }
  const was = new Map(before.map((t) => [tableKey(t.ref), t]))
  const now = new Map(after.map((t) => [tableKey(t.ref), t]))
  for (const [key, t] of now) {
    const old = was.get(key)
    if (!old) {
      marks.push({ kind: 'table', ref: t.ref, exists: true })
      continue
    }
    if (old.version === t.version) continue
    const names = (list: ColumnInfo[]) => new Set(list.map((c) => c.name.toLowerCase()))
    const oldNames = names(old.columns)
    const newNames = names(t.columns)
    for (const c of t.columns)
      if (!oldNames.has(c.name.toLowerCase())) marks.push({ kind: 'column', ref: t.ref, name: c.name, exists: true })
    for (const c of old.columns)
      if (!newNames.has(c.name.toLowerCase())) marks.push({ kind: 'column', ref: t.ref, name: c.name, exists: false })
  }
  for (const [key, t] of was) if (!now.has(key)) marks.push({ kind: 'table', ref: t.ref, exists: false })
  marks.push(...indexMarks(tokens, defaultSchema))
  return marks
}

/** The named indexes an ALTER TABLE, CREATE INDEX or DROP INDEX adds, drops or renames. */
function indexMarks(tokens: Token[], defaultSchema: string): DdlMark[] {
  const marks: DdlMark[] = []
  const first = tokens[0]?.text.toUpperCase() ?? ''
  const named = (spec: Token[], k: number): string | null => {
    if (isWord(spec[k], 'IF')) k += isWord(spec[k + 1], 'NOT') ? 3 : 2
    const t = spec[k]
    if (!t || isPunct(t, '(') || isWord(t, 'USING')) return null
    return identifierName(t)
  }
  if (first === 'CREATE' || (first === 'DROP' && isWord(tokens[1], 'INDEX'))) {
    const at = tokens.findIndex((t) => isWord(t, 'INDEX'))
    const on = tokens.findIndex((t) => isWord(t, 'ON'))
    if (at < 0 || on < 0) return marks
    const name = named(tokens, at + 1)
    const [ref] = readName(tokens, on + 1, defaultSchema)
    if (name) marks.push({ kind: 'index', ref, name, exists: first === 'CREATE' })
    return marks
  }
  if (first !== 'ALTER') return marks
  let i = 1
  while (isWord(tokens[i], 'ONLINE', 'IGNORE')) i++
  if (!isWord(tokens[i], 'TABLE')) return marks
  i++
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) i += 2
  const [named0, next] = readName(tokens, i, defaultSchema)
  let ref = named0
  const specs = splitTopLevel(tokens, next, tokens.length)
  // A RENAME TO in the same statement: the indexes are looked for under the new name.
  for (const spec of specs) {
    if (isWord(spec[0], 'RENAME') && !isWord(spec[1], 'COLUMN', 'INDEX', 'KEY'))
      [ref] = readName(spec, isWord(spec[1], 'TO', 'AS') ? 2 : 1, defaultSchema)
  }
  for (const spec of specs) {
    let k = 1
    if (isWord(spec[0], 'ADD')) {
      let constraint: string | null = null
      if (isWord(spec[k], 'CONSTRAINT')) {
        k++
        if (!isWord(spec[k], 'PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK')) constraint = identifierName(spec[k++]!)
      }
      if (isWord(spec[k], 'PRIMARY')) marks.push({ kind: 'index', ref, name: 'PRIMARY', exists: true })
      else if (isWord(spec[k], 'UNIQUE', 'INDEX', 'KEY', 'FULLTEXT', 'SPATIAL')) {
        if (isWord(spec[k], 'UNIQUE', 'FULLTEXT', 'SPATIAL')) k++
        if (isWord(spec[k], 'INDEX', 'KEY')) k++
        const name = named(spec, k) ?? constraint
        if (name) marks.push({ kind: 'index', ref, name, exists: true })
      }
    } else if (isWord(spec[0], 'DROP')) {
      if (isWord(spec[k], 'PRIMARY')) marks.push({ kind: 'index', ref, name: 'PRIMARY', exists: false })
      else if (isWord(spec[k], 'INDEX', 'KEY')) {
        const name = named(spec, k + 1)
        if (name) marks.push({ kind: 'index', ref, name, exists: false })
      }
    } else if (isWord(spec[0], 'RENAME') && isWord(spec[k], 'INDEX', 'KEY') && spec[k + 1] && spec[k + 3]) {
      marks.push({ kind: 'index', ref, name: identifierName(spec[k + 1]!), exists: false })
      marks.push({ kind: 'index', ref, name: identifierName(spec[k + 3]!), exists: true })
    }
  }
  return marks
}

/** Which of `marks` the server shows now (information_schema, names compared without case). */
export async function marksShown(session: SqlSession, marks: DdlMark[]): Promise<boolean[]> {
  const shown: boolean[] = []
  for (const m of marks) {
    const [sql, params] =
      m.kind === 'database'
        ? ['SELECT 1 FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) = LOWER(?)', [m.name]]
        : m.kind === 'table'
          ? [
              'SELECT 1 FROM information_schema.TABLES WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?)',
              [m.ref.schema, m.ref.name],
            ]
          : m.kind === 'column'
            ? [
                'SELECT 1 FROM information_schema.COLUMNS WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?) AND LOWER(COLUMN_NAME) = LOWER(?)',
                [m.ref.schema, m.ref.name, m.name],
              ]
            : [
                'SELECT 1 FROM information_schema.STATISTICS WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?) AND LOWER(INDEX_NAME) = LOWER(?) LIMIT 1',
                [m.ref.schema, m.ref.name, m.name],
              ]
    const rows = await session.query(sql as string, params as string[])
    shown.push(rows.length > 0 === m.exists)
  }
  return shown
}

// ---------------------------------------------------------------------------------------------------------------
// Statement parsing over the lossless tokenizer (whitespace and comments dropped).

/** Words that open a table definition's index or constraint clause, not a column (CREATE TABLE and ALTER … ADD). */
const clauseWords = [
  'PRIMARY',
  'UNIQUE',
  'KEY',
  'INDEX',
  'FULLTEXT',
  'SPATIAL',
  'CONSTRAINT',
  'FOREIGN',
  'CHECK',
  'PERIOD',
] as const

const typeAliases: Record<string, string> = {
  integer: 'int',
  int1: 'tinyint',
  int2: 'smallint',
  int3: 'mediumint',
  int4: 'int',
  int8: 'bigint',
  middleint: 'mediumint',
  bool: 'tinyint',
  boolean: 'tinyint',
  dec: 'decimal',
  fixed: 'decimal',
  numeric: 'decimal',
  real: 'double',
  float4: 'float',
  float8: 'double',
  serial: 'bigint',
  nchar: 'char',
  nvarchar: 'varchar',
  character: 'char',
}

function parseColumnDefinition(
  def: Token[],
  statement: string,
): { info: ColumnInfo; primary: boolean; unique: boolean } {
  const nameToken = def[0]
  const typeToken = def[1]
  if (!nameToken || !typeToken) throw unreadable(statement)
  let dataType = typeToken.text.toLowerCase()
  let k = 2
  // Two-word types: DOUBLE PRECISION, CHARACTER VARYING, NATIONAL CHAR/VARCHAR, LONG VARCHAR/VARBINARY.
  if (dataType === 'double' && isWord(def[k], 'PRECISION')) k++
  if (dataType === 'national') dataType = def[k++]!.text.toLowerCase()
  if ((dataType === 'character' || dataType === 'char') && isWord(def[k], 'VARYING')) {
    dataType = 'varchar'
    k++
  }
  if (dataType === 'long') {
    dataType = isWord(def[k], 'VARBINARY') ? 'mediumblob' : 'mediumtext'
    if (isWord(def[k], 'VARCHAR', 'VARBINARY')) k++
  }
  dataType = typeAliases[dataType] ?? dataType
  let columnType = dataType
  if (isPunct(def[k], '(')) {
    const close = matchingParen(def, k, statement)
    columnType += `(${def
      .slice(k + 1, close)
      .map((t) => t.text)
      .join('')})`
    k = close + 1
  }
  // Unknown without the table's default: values travel as bytes, so only explicit charsets are recorded.
  let charset: string | null = null
  let collation: string | null = null
  let nullable = true
  let generated: ColumnInfo['generated'] = 'no'
  let primary = false
  let unique = false
  for (; k < def.length; k++) {
    const t = def[k]!
    if (isWord(t, 'UNSIGNED', 'ZEROFILL')) columnType += ` ${t.text.toLowerCase()}`
    else if (isWord(t, 'SIGNED')) continue
    else if (isWord(t, 'CHARSET') || (isWord(t, 'CHARACTER') && isWord(def[k + 1], 'SET'))) {
      if (isWord(t, 'CHARACTER')) k++
      charset = identifierName(def[++k]!).toLowerCase()
    } else if (isWord(t, 'COLLATE')) {
      collation = identifierName(def[++k]!).toLowerCase()
      charset ??= collation.split('_')[0] ?? null
    } else if (isWord(t, 'NOT') && isWord(def[k + 1], 'NULL')) {
      nullable = false
      k++
    } else if (isWord(t, 'DEFAULT', 'COMMENT', 'ON')) {
      // Skip the value (a literal, a word, or a parenthesised expression) so it is never read as an attribute.
      if (isWord(t, 'ON')) k++
      k++
      if (isPunct(def[k], '(')) k = matchingParen(def, k, statement)
      else if (isPunct(def[k], '-') || isPunct(def[k], '+')) k++
      if (isPunct(def[k + 1], '(')) k = matchingParen(def, k + 1, statement)
    } else if (isWord(t, 'AS') && isPunct(def[k + 1], '(')) {
      generated = 'virtual'
      k = matchingParen(def, k + 1, statement)
    } else if (isWord(t, 'STORED', 'PERSISTENT')) generated = 'stored'
    else if (isWord(t, 'PRIMARY')) {
      primary = true
      nullable = false
    } else if (isWord(t, 'UNIQUE')) unique = true
    else if (isWord(t, 'CHECK') && isPunct(def[k + 1], '(')) k = matchingParen(def, k + 1, statement)
    else if (isWord(t, 'FIRST', 'AFTER')) break
  }
  if (dataType === 'serial') nullable = false
  return {
    info: { name: identifierName(nameToken), dataType, columnType, nullable, generated, charset, collation },
    primary,
    unique,
  }
}

/** `db`.`t` or `t` starting at `at`; returns the name and the index after it. */
function readName(tokens: Token[], at: number, defaultSchema: string): [TableRef, number] {
  const first = tokens[at]
  if (!first) throw unreadable(tokens.map((t) => t.text).join(' '))
  if (isPunct(tokens[at + 1], '.'))
    return [{ schema: identifierName(first), name: identifierName(tokens[at + 2]!) }, at + 3]
  return [{ schema: defaultSchema, name: identifierName(first) }, at + 1]
}

function dmlTarget(tokens: Token[], defaultSchema: string): TableRef | null {
  let i = 1
  while (isWord(tokens[i], 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO', 'FROM', 'QUICK')) i++
  const t = tokens[i]
  if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) return null
  try {
    return readName(tokens, i, defaultSchema)[0]
  } catch {
    return null
  }
}

function dropStatement(tables: TableRef[]): string {
  const q = (s: string) => '`' + s.replaceAll('`', '``') + '`'
  return `DROP TABLE IF EXISTS ${tables.map((t) => `${q(t.schema)}.${q(t.name)}`).join(', ')}`
}

function matchingParen(tokens: Token[], open: number, statement: string): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')') && --depth === 0) return i
  }
  throw unreadable(statement)
}

/** Token lists between `from` and `to` (exclusive), split at top-level commas. */
function splitTopLevel(tokens: Token[], from: number, to: number): Token[][] {
  const parts: Token[][] = [[]]
  let depth = 0
  for (let i = from; i < to; i++) {
    const t = tokens[i]!
    if (isPunct(t, '(')) depth++
    if (isPunct(t, ')')) depth--
    if (depth === 0 && isPunct(t, ',')) parts.push([])
    else parts[parts.length - 1]!.push(t)
  }
  return parts.filter((p) => p.length > 0)
}

function unreadable(statement: string): CutoverError {
  return new CutoverError({
    code: 'REPLICATE_DDL_UNREADABLE',
    stage: 'incremental',
    message: `Cannot follow this DDL in the job's schema history: ${statement.slice(0, 300)}`,
    workaround: 'Report it with the statement; then start a new job from a fresh snapshot taken after the DDL.',
  })
}
