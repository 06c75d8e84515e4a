/**
 * Lists the source's databases and tables for the object picker, in three information_schema queries whatever
 * the number of tables (pain point 16: DM's per-table prechecks crawl on large schemas), and resolves a job's
 * `objects` selection against that list.
 */
import type { ServerInfo } from '../../../shared/domain/connectionTest'
import { CutoverError } from '../../../shared/domain/errors'
import type {
  DiscoveredDatabase,
  DiscoveredObjects,
  DiscoveredTable,
  SelectedTable,
} from '../../../shared/domain/sourceObjects'
import { systemSchemaNames } from '../../../shared/domain/sourceObjects'
import type { SqlSession } from './session'

export type { DiscoveredDatabase, DiscoveredObjects, DiscoveredTable, SelectedTable }

/** Schemas that belong to the server, not the user; never offered and never migrated. */
export function systemSchemas(info: Pick<ServerInfo, 'flavor'>): string[] {
  const common = [...systemSchemaNames]
  // TiDB's own schemas (only relevant when a TiDB is read as a source, e.g. in tests or a TiDB-to-TiDB move).
  const tidb = info.flavor === 'tidb' ? ['metrics_schema', 'lightning_task_info', 'tidb_cdc'] : []
  // I_S spells them in upper case on some servers (TiDB, MySQL 8's DD views); compare both spellings.
  return [...common, ...tidb].flatMap((name) => [name, name.toUpperCase()])
}

/** `column` is a user schema: not a system one, and not MariaDB's `#mysql50#…` name for an unmappable directory. */
function userSchemaCondition(column: string, hidden: string[]): string {
  return `${column} NOT IN (${hidden.map(() => '?').join(', ')}) AND ${column} NOT LIKE '#mysql50#%'`
}

function toNumber(value: unknown): number {
  // bigNumberStrings returns BIGINT counters as strings; estimates fit a double comfortably.
  const number = Number(value ?? 0)
  return Number.isFinite(number) ? number : 0
}

export async function discoverObjects(session: SqlSession, info: ServerInfo): Promise<DiscoveredObjects> {
  const hidden = systemSchemas(info)

  const schemas = await session.query<{ name: string }>(
    `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE ${userSchemaCondition('SCHEMA_NAME', hidden)} ORDER BY SCHEMA_NAME`,
    hidden,
  )
  const tables = await session.query<{
    db: string
    name: string
    engine: string | null
    rowsEstimate: unknown
    dataBytes: unknown
    indexBytes: unknown
  }>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine, TABLE_ROWS AS rowsEstimate,
            DATA_LENGTH AS dataBytes, INDEX_LENGTH AS indexBytes
       FROM information_schema.TABLES
      WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
        AND ${userSchemaCondition('TABLE_SCHEMA', hidden)}
      ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    hidden,
  )
  // One row per column of every unique key; NULLABLE is 'YES' or ''. Expression parts (MySQL 8) have no
  // column name and cannot identify a row by value, so they count as nullable.
  const keyParts = await session.query<{
    db: string
    tbl: string
    idx: string
    nullable: string | null
    col: string | null
  }>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, INDEX_NAME AS idx, NULLABLE AS nullable, COLUMN_NAME AS col
       FROM information_schema.STATISTICS
      WHERE NON_UNIQUE = 0
        AND ${userSchemaCondition('TABLE_SCHEMA', hidden)}`,
    hidden,
  )

  const keyInfo = new Map<string, { primary: boolean; notNullUnique: boolean }>()
  const uniqueKeys = new Map<string, boolean>()
  for (const part of keyParts) {
    const tableKey = `${part.db}\u0000${part.tbl}`
    const entry = keyInfo.get(tableKey) ?? { primary: false, notNullUnique: false }
    keyInfo.set(tableKey, entry)
    if (part.idx === 'PRIMARY') {
      entry.primary = true
      continue
    }
    const indexKey = `${tableKey}\u0000${part.idx}`
    const partNotNull = part.col !== null && (part.nullable ?? '') !== 'YES'
    uniqueKeys.set(indexKey, (uniqueKeys.get(indexKey) ?? true) && partNotNull)
  }
  for (const [indexKey, allNotNull] of uniqueKeys) {
    if (!allNotNull) continue
    const tableKey = indexKey.slice(0, indexKey.lastIndexOf('\u0000'))
    keyInfo.get(tableKey)!.notNullUnique = true
  }

  const byName = new Map<string, DiscoveredDatabase>()
  for (const schema of schemas) byName.set(schema.name, { name: schema.name, tables: [] })
  for (const table of tables) {
    const database = byName.get(table.db) ?? { name: table.db, tables: [] }
    byName.set(table.db, database)
    const keys = keyInfo.get(`${table.db}\u0000${table.name}`)
    database.tables.push({
      name: table.name,
      rowsEstimate: toNumber(table.rowsEstimate),
      dataBytes: toNumber(table.dataBytes),
      indexBytes: toNumber(table.indexBytes),
      engine: table.engine,
      hasPrimaryKey: keys?.primary ?? false,
      hasNotNullUnique: keys?.notNullUnique ?? false,
    })
  }
  const databases = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { databases }
}

/**
 * The tables a job's `objects` selects, in discovery order and without duplicates. `db` selects every table of
 * the database; `db.table` one table. Names are compared exactly, as the server does with
 * lower_case_table_names=0; a name that only differs in case is suggested in the error.
 */
export function resolveObjects(discovered: DiscoveredObjects, objects: 'all' | string[]): SelectedTable[] {
  const all: SelectedTable[] = discovered.databases.flatMap((db) =>
    db.tables.map((t) => ({ schema: db.name, table: t.name })),
  )
  if (objects === 'all') return all

  const databases = new Map(discovered.databases.map((db) => [db.name, new Set(db.tables.map((t) => t.name))]))
  const chosen = new Set<string>()
  const unknown: string[] = []
  for (const entry of objects) {
    const dot = entry.indexOf('.')
    const schema = dot === -1 ? entry : entry.slice(0, dot)
    const table = dot === -1 ? null : entry.slice(dot + 1)
    const tableNames = databases.get(schema)
    if (!tableNames || (table !== null && !tableNames.has(table))) {
      unknown.push(entry)
      continue
    }
    if (table === null) for (const name of tableNames) chosen.add(`${schema}.${name}`)
    else chosen.add(`${schema}.${table}`)
  }
  if (unknown.length > 0) {
    const known = all.map((t) => `${t.schema}.${t.table}`).concat([...databases.keys()])
    const hints = unknown
      .map((name) => [name, known.find((candidate) => candidate.toLowerCase() === name.toLowerCase())] as const)
      .filter(([, match]) => match !== undefined)
      .map(([name, match]) => `"${name}" → "${match}"`)
    throw new CutoverError({
      code: 'OBJECTS_NOT_FOUND',
      stage: 'precheck',
      message: `The source has no ${unknown.length === 1 ? 'database or table' : 'databases or tables'} named ${unknown.map((n) => `"${n}"`).join(', ')}.`,
      workaround:
        (hints.length > 0 ? `Names are case-sensitive; did you mean ${hints.join(', ')}? ` : '') +
        'Fix the objects list (use db or db.table), or pick the objects again from the list the source offers; system schemas (mysql, information_schema, performance_schema, sys) cannot be migrated.',
    })
  }
  return all.filter((t) => chosen.has(`${t.schema}.${t.table}`))
}
