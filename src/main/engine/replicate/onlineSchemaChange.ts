/**
 * Online schema change tools on the source (gh-ost, pt-online-schema-change): they alter a copy of a table (the
 * shadow), keep it in step with the table (gh-ost from the binlog, pt-osc with triggers) and swap the two with one
 * RENAME TABLE. The target needs none of that: the real table's own row events carry the application's changes,
 * so the shadow's rows are never applied, its ALTERs are recorded against the shadow in the schema history, and at
 * the swap they run on the real table. The tools' tables are known by name:
 * - gh-ost: `_<t>_gho` (the ghost, altered), `_<t>_ghc` (changelog), `_<t>_del` or `_<t>_<YYYYMMDDhhmmss>_del` (the
 *   old table after the swap, and the cut-over's sentry);
 * - pt-osc: `_<t>_new` (altered) and `_<t>_old` (the old table after the swap), with more leading underscores when
 *   the name is taken (`__t_new`).
 * A name is a tool's table only when the table it names (`t`) is a table of the same database that the caller
 * knows, so that an application's own `_x_new` next to no `x` stays an ordinary table.
 */
import type { SqlSession } from '../connect/session'
import type { TableRef } from '../vocabulary/tableRef'
import { tableKey } from '../vocabulary/tableRef'
import { quoteTable } from '../vocabulary/identifierQuoting'
import { isSignificant, isWord, tokenize } from '../vocabulary/sqlTokenizer'

export type OnlineTool = 'gh-ost' | 'pt-online-schema-change'

/** `shadow`: altered and swapped in (gho, new); `changelog`: gh-ost's own state; `old`: the table swapped out. */
export type ToolTableRole = 'shadow' | 'changelog' | 'old'

export interface ToolTable {
  tool: OnlineTool
  role: ToolTableRole
  /** The real table's name (same database). */
  table: string
}

/** What the schema history keeps on a shadow table: its tool, its real table and the ALTERs run on it. */
export interface ShadowRecord {
  tool: OnlineTool
  table: string
  /** ALTER statements run on the shadow, in binlog order, as the source ran them. */
  alters: string[]
  /** False when the shadow existed before the job's start position: ALTERs run on it earlier were never seen. */
  createSeen: boolean
  /**
   * For a shadow older than the job: whether its indexes (all of them, not only the unique keys the history
   * tracks) were the real table's at the start. Absent: not compared.
   */
  sameIndexesAtStart?: boolean
}

const ghost = /^_(.+)_(gho|ghc|del)$/s
const ghostTimestamped = /^_(.+)_\d{14}_del$/s
const pt = /^(_+)(.+)_(new|old)$/s

/**
 * The tool table `name` is, if any. `isTable(name)` says whether the database has a table of that name (the real
 * table the tool works on); a name matching a pattern whose real table is unknown is not a tool's table.
 */
export function toolTable(name: string, isTable: (name: string) => boolean): ToolTable | null {
  const timestamped = ghostTimestamped.exec(name)
  if (timestamped && isTable(timestamped[1]!)) return { tool: 'gh-ost', role: 'old', table: timestamped[1]! }
  const g = ghost.exec(name)
  if (g && isTable(g[1]!)) {
    const role = g[2] === 'gho' ? 'shadow' : g[2] === 'ghc' ? 'changelog' : 'old'
    return { tool: 'gh-ost', role, table: g[1]! }
  }
  const p = pt.exec(name)
  if (p) {
    // pt-osc adds one underscore, and one more each time the name is taken; the real name may start with some.
    for (let extra = 0; extra < p[1]!.length; extra++) {
      const table = p[1]!.slice(1 + extra) + p[2]!
      if (isTable(table)) return { tool: 'pt-online-schema-change', role: p[3] === 'new' ? 'shadow' : 'old', table }
    }
  }
  return null
}

/**
 * What a DDL of a tool means for the target. `record`: a CREATE or ALTER of the shadow, nothing to run. `cutover`:
 * the swap; `statements` are the recorded ALTERs on the real table, or null when they are not known (the shadow
 * existed before the job's start and differs from the table).
 */
export type OnlineDdlStep =
  | { kind: 'record'; tool: OnlineTool; table: TableRef; shadow: TableRef }
  | { kind: 'cutover'; tool: OnlineTool; table: TableRef; shadow: TableRef; statements: string[] | null }

/** A tool's swap of a shadow for its real table, found among the pairs of one RENAME TABLE statement. */
export interface CutOver {
  tool: OnlineTool
  table: TableRef
  shadow: TableRef
}

/**
 * The cut-overs among a RENAME's pairs: `<t's shadow> TO t`, with `t TO <t's old-role table>` in the same statement
 * (gh-ost's atomic cut-over, pt-osc's swap) or in an earlier one (gh-ost's two-step cut-over: the history keeps `t`
 * until its shadow takes the name, see `keepsTable`). Pairs that are not part of one are returned as `rest`.
 */
export function findCutOvers(
  pairs: readonly { from: TableRef; to: TableRef }[],
  isTable: (ref: TableRef) => boolean,
): { cutOvers: CutOver[]; rest: { from: TableRef; to: TableRef }[] } {
  const role = (ref: TableRef) => toolTable(ref.name, (name) => isTable({ schema: ref.schema, name }))
  const cutOvers: CutOver[] = []
  const used = new Set<number>()
  pairs.forEach((swap, i) => {
    const shadow = role(swap.from)
    if (shadow?.role !== 'shadow' || swap.to.schema !== swap.from.schema || shadow.table !== swap.to.name) return
    used.add(i)
    const retire = pairs.findIndex(
      (p, k) => !used.has(k) && keepsTable(p, role) && p.from.schema === swap.to.schema && p.from.name === swap.to.name,
    )
    if (retire >= 0) used.add(retire)
    cutOvers.push({ tool: shadow.tool, table: swap.to, shadow: swap.from })
  })
  return { cutOvers, rest: pairs.filter((_, k) => !used.has(k)) }
}

/**
 * `t TO <t's old-role table>` (`_t_del`, `_t_old`): the tool moves the real table aside for its shadow. The target
 * keeps `t` as it is; the shadow's rename to `t` that follows is the cut-over.
 */
export function keepsTable(pair: { from: TableRef; to: TableRef }, role: (ref: TableRef) => ToolTable | null): boolean {
  const old = role(pair.to)
  return old?.role === 'old' && pair.to.schema === pair.from.schema && old.table === pair.from.name
}

/** An ALTER TABLE run on the shadow, as the same change to the real table (the name rewritten, nothing else). */
export function alterForTable(statement: string, table: TableRef): string {
  const tokens = tokenize(statement)
  const significant = tokens.map((t, i) => ({ t, i })).filter(({ t }) => isSignificant(t))
  let k = 1
  while (isWord(significant[k]?.t, 'ONLINE', 'IGNORE')) k++
  if (!isWord(significant[k]?.t, 'TABLE')) return statement
  k++
  if (isWord(significant[k]?.t, 'IF') && isWord(significant[k + 1]?.t, 'EXISTS')) k += 2
  const first = significant[k]
  if (!first) return statement
  const qualified = significant[k + 1]?.t.text === '.' && significant[k + 2] !== undefined
  const last = qualified ? significant[k + 2]! : first
  const name = quoteTable(table)
  return [...tokens.slice(0, first.i).map((t) => t.text), name, ...tokens.slice(last.i + 1).map((t) => t.text)].join('')
}

/** The recorded ALTERs of a shadow as statements on its real table. */
export function cutOverStatements(record: ShadowRecord, table: TableRef): string[] {
  return record.alters.map((statement) => alterForTable(statement, table))
}

/** The job's tables split into the tools' tables and the rest, and the shadows of the rest found on the source. */
export interface ToolTables {
  /** The selected tables without the tools' tables. */
  tables: TableRef[]
  /** Tools' tables among the selected ones: never created on the target nor copied. */
  skipped: (TableRef & { tool: OnlineTool })[]
  /** Shadows of the remaining tables (selected or not): the schema history tracks them from the start. */
  shadows: (TableRef & { tool: OnlineTool; table: string })[]
}

/** Sorts the selected tables into a tool's and the rest, and finds the shadows of the rest on the source. */
export async function findToolTables(session: SqlSession, selected: TableRef[]): Promise<ToolTables> {
  const schemas = [...new Set(selected.map((t) => t.schema))]
  if (schemas.length === 0) return { tables: selected, skipped: [], shadows: [] }
  const rows = await session.query<{ s: string; n: string }>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME LIKE '\\_%' AND TABLE_SCHEMA IN (${schemas.map(() => '?').join(', ')})`,
    schemas,
  )
  const existing = new Set(selected.map(tableKey))
  for (const r of rows) existing.add(tableKey({ schema: r.s, name: r.n }))
  const tool = (ref: TableRef) => toolTable(ref.name, (name) => existing.has(tableKey({ schema: ref.schema, name })))
  const tables = selected.filter((t) => tool(t) === null)
  const kept = new Set(tables.map(tableKey))
  const skipped = selected.flatMap((t) => {
    const found = tool(t)
    return found ? [{ ...t, tool: found.tool }] : []
  })
  const shadows = rows.flatMap((r) => {
    const ref = { schema: r.s, name: r.n }
    const found = tool(ref)
    return found?.role === 'shadow' && kept.has(tableKey({ schema: ref.schema, name: found.table }))
      ? [{ ...ref, tool: found.tool, table: found.table }]
      : []
  })
  return { tables, skipped, shadows }
}
