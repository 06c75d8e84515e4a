/**
 * Everything the checks look at, read once per run with a handful of batched queries (one SHOW GLOBAL
 * VARIABLES per side, one information_schema query per kind of object) — never a statement per table,
 * which is what made DM's precheck crawl on thousands of tables (pain point 16).
 */
import type { JobConfig, JobMode } from '../../../shared/domain/job'
import type { ServerInfo } from '../connect/session'
import { systemSchemas } from '../connect/discovery'
import { versionAtLeast } from '../connect/serverInfo'
import type { SideQuery } from './check'
import { readCharsetCatalog } from '../schema/collationMapping'
import type { CharsetCatalog } from '../schema/collationMapping'

export interface ServerFacts {
  info: ServerInfo
  /** `user@host:port` as configured; for messages. */
  endpoint: string
  /** SHOW GLOBAL VARIABLES, names lower-cased. */
  variables: ReadonlyMap<string, string>
  /** CURRENT_USER(): the account the server matched, which is what a GRANT must name. */
  account: { user: string; host: string }
  /** Raw SHOW GRANTS lines (including those of the user's roles where they could be read). */
  grants: string[]
}

export interface ColumnFacts {
  name: string
  dataType: string
  columnType: string
  nullable: boolean
  charset: string | null
  collation: string | null
  maxChars: number | null
  maxBytes: number | null
  extra: string
  /** COLUMN_DEFAULT as the source prints it (MariaDB: the DDL text, `'x'`, `uuid()`; MySQL: the bare value); null: none. */
  columnDefault?: string | null
}

export interface IndexPartFacts {
  column: string
  /** Prefix length: characters for text columns, bytes for binary ones. */
  subPart: number | null
  descending: boolean
}

export interface IndexFacts {
  name: string
  unique: boolean
  /** BTREE, HASH, FULLTEXT, SPATIAL, … as information_schema.STATISTICS reports it. */
  type: string
  parts: IndexPartFacts[]
}

export interface ForeignKeyFacts {
  name: string
  columns: string[]
  references: { schema: string; table: string; columns: string[] }
}

export interface TableFacts {
  schema: string
  name: string
  /** `sequence`: a MariaDB sequence (TABLE_TYPE SEQUENCE), which is migrated as a sequence, not as a table. */
  kind: 'table' | 'view' | 'sequence'
  engine: string | null
  collation: string | null
  charset: string | null
  avgRowLength: number
  rows: number
  columns: ColumnFacts[]
  indexes: IndexFacts[]
  foreignKeys: ForeignKeyFacts[]
}

export interface SchemaFacts {
  name: string
  charset: string
  collation: string
}

export interface StoredObjectFacts {
  kind: 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT'
  schema: string
  name: string
}

/** A CHECK constraint of a selected source table, as the source's information_schema lists it. */
export interface CheckConstraintFacts {
  schema: string
  table: string
  name: string
  /** The expression as the source prints it, e.g. "`a` > 0" or MariaDB's "json_valid(`doc`)". */
  clause: string
}

/** Another job in the store, for checks that guard against two jobs fighting over one target. */
export interface ActiveJob {
  id: string
  name: string
  mode: JobMode
  status: string
  target: { host: string; port: number }
  source?: { host: string; port: number }
  /** What the job selects (`all`, or `db` / `db.table` entries) on its own source. */
  objects?: JobConfig['objects']
  /** `db.table` of every table it has chunk checkpoints for: tables it has certainly written. */
  tables?: string[]
}

export interface TargetLimits {
  /** TiDB `max-index-length`; 3072 on MySQL/MariaDB InnoDB. */
  maxIndexLength: number
  /** TiDB `txn-entry-size-limit` (bytes); null on non-TiDB targets. */
  txnEntrySizeLimit: number | null
  maxColumns: number
  maxAllowedPacket: number
}

export interface PrecheckFacts {
  config: JobConfig
  source: ServerFacts
  target: ServerFacts
  /** Source schemas the job touches. */
  schemas: SchemaFacts[]
  /** Source tables and views the job selects. */
  tables: TableFacts[]
  /** Entries of `objects` that matched nothing on the source. */
  unmatchedObjects: string[]
  /** Selected tables that already exist on the target, keyed by `tableKey` of the source table. */
  targetTables: ReadonlyMap<string, TableFacts>
  storedObjects: StoredObjectFacts[]
  /** Enforced CHECK constraints of the selected source tables (MariaDB's automatic JSON ones included). */
  checkConstraints: CheckConstraintFacts[]
  /** Target SHOW COLLATION (plus MariaDB's full uca1400 names): collation → charset. */
  targetCollations: ReadonlyMap<string, string>
  /** Target SHOW CHARACTER SET: charset → { maxLen, defaultCollation }. */
  targetCharsets: ReadonlyMap<string, { maxLen: number; defaultCollation: string }>
  /** The same catalog in the form the schema stage's collation mapping takes, so both decide alike. */
  targetCatalog: CharsetCatalog
  targetLimits: TargetLimits
  activeJobs: ActiveJob[]
  /** `db.table` names this job already started loading (a resumed job): their rows are the job's own. */
  resumedTables: ReadonlySet<string>
  /** The name of the stored job this precheck is for (a resume), or null for a job not created yet. */
  resumedJob?: string | null
}

export function qualifiedName(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`
}

/** How a source table is looked up on the target; TiDB (lower_case_table_names=2) compares without case. */
export function tableKey(schema: string, name: string, caseInsensitive: boolean): string {
  const key = `${schema}\u0000${name}`
  return caseInsensitive ? key.toLowerCase() : key
}

export function targetIsCaseInsensitive(target: Pick<ServerFacts, 'info' | 'variables'>): boolean {
  return target.info.flavor === 'tidb' || (target.variables.get('lower_case_table_names') ?? '0') !== '0'
}

interface Filter {
  sql: string
  params: unknown[]
}

/**
 * The WHERE fragment selecting the job's objects, for any information_schema view. System schemas (the same
 * list the object picker hides) and MariaDB's `#mysql50#` placeholder names are never selected.
 */
export function selectionFilter(
  objects: JobConfig['objects'],
  schemaColumn: string,
  tableColumn: string | null,
  hidden: string[] = systemSchemas({ flavor: 'mysql' }),
): Filter {
  const system = `${schemaColumn} NOT IN (${hidden.map(() => '?').join(', ')}) AND ${schemaColumn} NOT LIKE '#mysql50#%'`
  if (objects === 'all') return { sql: system, params: [...hidden] }
  const schemas = objects.filter((o) => !o.includes('.'))
  const tables = objects.filter((o) => o.includes('.')).map((o) => o.split('.') as [string, string])
  const parts: string[] = []
  const params: unknown[] = [...hidden]
  if (schemas.length > 0) {
    parts.push(`${schemaColumn} IN (${schemas.map(() => '?').join(', ')})`)
    params.push(...schemas)
  }
  if (tables.length > 0) {
    if (tableColumn === null) {
      parts.push(`${schemaColumn} IN (${tables.map(() => '?').join(', ')})`)
      params.push(...tables.map(([s]) => s))
    } else {
      parts.push(`(${schemaColumn}, ${tableColumn}) IN (${tables.map(() => '(?, ?)').join(', ')})`)
      params.push(...tables.flat())
    }
  }
  return { sql: `${system} AND (${parts.join(' OR ')})`, params }
}

type Row = Record<string, unknown>
const str = (v: unknown): string =>
  v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v))
const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v))
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

export async function readVariables(query: SideQuery): Promise<Map<string, string>> {
  const rows = await query<Row>('SHOW GLOBAL VARIABLES')
  const variables = new Map<string, string>()
  for (const row of rows) variables.set(str(row['Variable_name']).toLowerCase(), str(row['Value']))
  return variables
}

async function readAccountAndGrants(
  query: SideQuery,
  info: ServerInfo,
): Promise<Pick<ServerFacts, 'account' | 'grants'>> {
  const [userRow] = await query<{ u: unknown }>('SELECT CURRENT_USER() AS u')
  const current = str(userRow?.u)
  const at = current.lastIndexOf('@')
  const account = at < 0 ? { user: current, host: '%' } : { user: current.slice(0, at), host: current.slice(at + 1) }
  const grants = (await query<Row>('SHOW GRANTS')).map((row) => str(Object.values(row)[0]))
  // Grants that arrive through roles are only listed as "GRANT role TO user": read the roles' own grants.
  const roles = grants
    .map((g) => /^GRANT\s+((?:`[^`]*`(?:@`[^`]*`)?\s*,?\s*)+)\s+TO\s/i.exec(g)?.[1])
    .filter((r): r is string => r !== undefined && !/\bON\b/i.test(r))
  if (roles.length > 0) {
    try {
      const extra =
        info.flavor === 'mysql' && versionAtLeast(info, '8.0.0')
          ? await query<Row>(`SHOW GRANTS FOR CURRENT_USER() USING ${roles.join(', ')}`)
          : (
              await Promise.all(
                roles
                  .flatMap((r) => r.split(/\s*,\s*/))
                  .filter(Boolean)
                  .map((r) => query<Row>(`SHOW GRANTS FOR ${r}`)),
              )
            ).flat()
      for (const row of extra) {
        const line = str(Object.values(row)[0])
        if (!grants.includes(line)) grants.push(line)
      }
    } catch {
      // Reading a role's grants can itself need privileges; the functional probes still decide.
    }
  }
  return { account, grants }
}

async function readServerFacts(query: SideQuery, info: ServerInfo, endpoint: string): Promise<ServerFacts> {
  const [variables, access] = await Promise.all([readVariables(query), readAccountAndGrants(query, info)])
  return { info, endpoint, variables, ...access }
}

async function readTables(
  query: SideQuery,
  filter: (schema: string, table: string | null) => Filter,
): Promise<TableFacts[]> {
  const t = filter('TABLE_SCHEMA', 'TABLE_NAME')
  const k = filter('k.TABLE_SCHEMA', 'k.TABLE_NAME')
  const [tableRows, columnRows, indexRows, fkRows] = await Promise.all([
    query<Row>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, TABLE_TYPE AS type, ENGINE AS engine, TABLE_COLLATION AS collation,
              AVG_ROW_LENGTH AS avgRow, TABLE_ROWS AS n
         FROM information_schema.TABLES WHERE ${t.sql}`,
      t.params,
    ),
    query<Row>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
              IS_NULLABLE AS nullable, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation,
              CHARACTER_MAXIMUM_LENGTH AS maxChars, CHARACTER_OCTET_LENGTH AS maxBytes, EXTRA AS extra,
              COLUMN_DEFAULT AS columnDefault
         FROM information_schema.COLUMNS WHERE ${t.sql} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      t.params,
    ),
    query<Row>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nonUnique, COLUMN_NAME AS c,
              SUB_PART AS subPart, INDEX_TYPE AS type, COLLATION AS ord
         FROM information_schema.STATISTICS WHERE ${t.sql} ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      t.params,
    ),
    query<Row>(
      `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_SCHEMA AS s, k.TABLE_NAME AS t, k.COLUMN_NAME AS c,
              k.REFERENCED_TABLE_SCHEMA AS rs, k.REFERENCED_TABLE_NAME AS rt, k.REFERENCED_COLUMN_NAME AS rc
         FROM information_schema.KEY_COLUMN_USAGE k
        WHERE k.REFERENCED_TABLE_NAME IS NOT NULL AND ${k.sql}
        ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
      k.params,
    ),
  ])
  const byKey = new Map<string, TableFacts>()
  for (const r of tableRows) {
    const collation = strOrNull(r['collation'])
    byKey.set(tableKey(str(r['s']), str(r['t']), false), {
      schema: str(r['s']),
      name: str(r['t']),
      kind: str(r['type']) === 'VIEW' ? 'view' : str(r['type']) === 'SEQUENCE' ? 'sequence' : 'table',
      engine: strOrNull(r['engine']),
      collation,
      charset: collation === null ? null : collationCharset(collation),
      avgRowLength: num(r['avgRow']),
      rows: num(r['n']),
      columns: [],
      indexes: [],
      foreignKeys: [],
    })
  }
  for (const r of columnRows) {
    byKey.get(tableKey(str(r['s']), str(r['t']), false))?.columns.push({
      name: str(r['c']),
      dataType: str(r['dataType']).toLowerCase(),
      columnType: str(r['columnType']).toLowerCase(),
      nullable: str(r['nullable']) === 'YES',
      charset: strOrNull(r['charset']),
      collation: strOrNull(r['collation']),
      maxChars: numOrNull(r['maxChars']),
      maxBytes: numOrNull(r['maxBytes']),
      extra: str(r['extra']),
      columnDefault: strOrNull(r['columnDefault']),
    })
  }
  for (const r of indexRows) {
    const table = byKey.get(tableKey(str(r['s']), str(r['t']), false))
    if (!table) continue
    const name = str(r['i'])
    let index = table.indexes.find((i) => i.name === name)
    if (!index) {
      index = { name, unique: num(r['nonUnique']) === 0, type: str(r['type']).toUpperCase(), parts: [] }
      table.indexes.push(index)
    }
    index.parts.push({ column: str(r['c']), subPart: numOrNull(r['subPart']), descending: str(r['ord']) === 'D' })
  }
  for (const r of fkRows) {
    const table = byKey.get(tableKey(str(r['s']), str(r['t']), false))
    if (!table) continue
    const name = str(r['name'])
    let fk = table.foreignKeys.find((f) => f.name === name)
    if (!fk) {
      fk = { name, columns: [], references: { schema: str(r['rs']), table: str(r['rt']), columns: [] } }
      table.foreignKeys.push(fk)
    }
    fk.columns.push(str(r['c']))
    fk.references.columns.push(str(r['rc']))
  }
  return [...byKey.values()]
}

/** `utf8mb4_general_ci` → `utf8mb4`; MariaDB's `uca1400_ai_ci` family is always spelled with its charset in columns. */
export function collationCharset(collation: string): string {
  if (collation === 'binary') return 'binary'
  return collation.split('_')[0] ?? collation
}

async function readStoredObjects(
  query: SideQuery,
  objects: JobConfig['objects'],
  hidden: string[],
): Promise<StoredObjectFacts[]> {
  // Triggers belong to tables; routines and events to whole schemas, so they count only when a schema is selected.
  const trig = selectionFilter(objects, 'EVENT_OBJECT_SCHEMA', 'EVENT_OBJECT_TABLE', hidden)
  const wholeSchemas: JobConfig['objects'] = objects === 'all' ? 'all' : objects.filter((o) => !o.includes('.'))
  const parts = [
    `SELECT 'TRIGGER' AS kind, TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE ${trig.sql}`,
  ]
  const params = [...trig.params]
  if (wholeSchemas === 'all' || wholeSchemas.length > 0) {
    const r = selectionFilter(wholeSchemas, 'ROUTINE_SCHEMA', null, hidden)
    const e = selectionFilter(wholeSchemas, 'EVENT_SCHEMA', null, hidden)
    parts.push(`SELECT ROUTINE_TYPE, ROUTINE_SCHEMA, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ${r.sql}`)
    parts.push(`SELECT 'EVENT', EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS WHERE ${e.sql}`)
    params.push(...r.params, ...e.params)
  }
  const rows = await query<Row>(parts.join(' UNION ALL '), params)
  return rows.map((r) => ({
    kind: str(r['kind']) as StoredObjectFacts['kind'],
    schema: str(r['s']),
    name: str(r['n']),
  }))
}

async function readCheckConstraints(
  query: SideQuery,
  info: ServerInfo,
  objects: JobConfig['objects'],
  hidden: string[],
): Promise<CheckConstraintFacts[]> {
  let sql: string
  let filter: Filter
  if (info.flavor === 'mariadb') {
    // MariaDB's CHECK_CONSTRAINTS carries the table; its constraint names are unique per table only.
    filter = selectionFilter(objects, 'CONSTRAINT_SCHEMA', 'TABLE_NAME', hidden)
    sql = `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS n, CHECK_CLAUSE AS c
             FROM information_schema.CHECK_CONSTRAINTS WHERE ${filter.sql}`
  } else if (info.flavor === 'mysql' && versionAtLeast(info, '8.0.16')) {
    // MySQL names the table only in TABLE_CONSTRAINTS (names are unique per schema); NOT ENFORCED ones never held.
    filter = selectionFilter(objects, 'tc.TABLE_SCHEMA', 'tc.TABLE_NAME', hidden)
    sql = `SELECT tc.TABLE_SCHEMA AS s, tc.TABLE_NAME AS t, tc.CONSTRAINT_NAME AS n, cc.CHECK_CLAUSE AS c
             FROM information_schema.TABLE_CONSTRAINTS tc
             JOIN information_schema.CHECK_CONSTRAINTS cc
               ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
            WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.ENFORCED = 'YES' AND ${filter.sql}`
  } else {
    // MySQL before 8.0.16 parses CHECK and ignores it: there is nothing to keep.
    return []
  }
  try {
    const rows = await query<Row>(sql, filter.params)
    return rows.map((r) => ({ schema: str(r['s']), table: str(r['t']), name: str(r['n']), clause: str(r['c']) }))
  } catch {
    // MariaDB before 10.2.22 / 10.3.10 has no CHECK_CONSTRAINTS view; the check then has nothing to report.
    return []
  }
}

async function readTargetCharsets(
  query: SideQuery,
  info: ServerInfo,
): Promise<Pick<PrecheckFacts, 'targetCollations' | 'targetCharsets' | 'targetCatalog'>> {
  const catalog = await readCharsetCatalog((sql) => query<Row>(sql), info)
  const targetCharsets = new Map<string, { maxLen: number; defaultCollation: string }>()
  for (const [charset, defaultCollation] of catalog.defaultCollationByCharset) {
    targetCharsets.set(charset, { maxLen: catalog.maxLenByCharset.get(charset) ?? 0, defaultCollation })
  }
  return { targetCollations: catalog.charsetOfCollation, targetCharsets, targetCatalog: catalog }
}

const tidbDefaults = { maxIndexLength: 3072, txnEntrySizeLimit: 6 * 1024 * 1024, maxColumns: 1017 }

async function readTargetLimits(query: SideQuery, target: ServerFacts): Promise<TargetLimits> {
  const maxAllowedPacket = Number(target.variables.get('max_allowed_packet') ?? 64 * 1024 * 1024)
  if (target.info.flavor !== 'tidb') {
    return { maxIndexLength: 3072, txnEntrySizeLimit: null, maxColumns: 4096, maxAllowedPacket }
  }
  const limits: TargetLimits = { ...tidbDefaults, maxAllowedPacket }
  try {
    // Needs the CONFIG privilege (TiDB Cloud does not grant it): fall back to the documented defaults.
    const rows = await query<Row>(
      "SHOW CONFIG WHERE type = 'tidb' AND name IN ('max-index-length', 'txn-entry-size-limit', 'table-column-count-limit')",
    )
    for (const r of rows) {
      const value = Number(r['Value'])
      if (!Number.isFinite(value) || value <= 0) continue
      if (r['Name'] === 'max-index-length') limits.maxIndexLength = value
      if (r['Name'] === 'txn-entry-size-limit') limits.txnEntrySizeLimit = value
      if (r['Name'] === 'table-column-count-limit') limits.maxColumns = value
    }
  } catch {
    // Defaults stand.
  }
  // The session variable (TiDB ≥ 7.6) overrides the config file when set.
  const sysvar = Number(target.variables.get('tidb_txn_entry_size_limit') ?? 0)
  if (sysvar > 0) limits.txnEntrySizeLimit = sysvar
  return limits
}

function unmatched(objects: JobConfig['objects'], tables: TableFacts[]): string[] {
  if (objects === 'all') return []
  return objects.filter((o) => {
    const [schema, table] = o.split('.')
    return !tables.some((t) => t.schema === schema && (table === undefined || t.name === table))
  })
}

export interface GatherInput {
  config: JobConfig
  source: { query: SideQuery; info: ServerInfo; endpoint: string }
  target: { query: SideQuery; info: ServerInfo; endpoint: string }
  activeJobs: ActiveJob[]
  resumedTables?: readonly string[]
  resumedJob?: string | null
}

export async function gatherFacts({
  config,
  source,
  target,
  activeJobs,
  resumedTables,
  resumedJob,
}: GatherInput): Promise<PrecheckFacts> {
  const hidden = systemSchemas(source.info)
  const selection = (schema: string, table: string | null) => selectionFilter(config.objects, schema, table, hidden)
  const schemaFilter = selection('SCHEMA_NAME', null)
  const [sourceFacts, targetFacts, schemaRows, tables, storedObjects, checkConstraints] = await Promise.all([
    readServerFacts(source.query, source.info, source.endpoint),
    readServerFacts(target.query, target.info, target.endpoint),
    source.query<Row>(
      `SELECT SCHEMA_NAME AS s, DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co
         FROM information_schema.SCHEMATA WHERE ${schemaFilter.sql}`,
      schemaFilter.params,
    ),
    readTables(source.query, selection),
    readStoredObjects(source.query, config.objects, hidden),
    readCheckConstraints(source.query, source.info, config.objects, hidden),
  ])
  const caseInsensitive = targetIsCaseInsensitive(targetFacts)
  const schemaNames = [...new Set(tables.map((t) => t.schema))]
  const [charsets, limits, existing] = await Promise.all([
    readTargetCharsets(target.query, target.info),
    readTargetLimits(target.query, targetFacts),
    schemaNames.length === 0
      ? Promise.resolve([] as TableFacts[])
      : readTables(target.query, (schemaColumn) => ({
          sql: `${caseInsensitive ? `LOWER(${schemaColumn})` : schemaColumn} IN (${schemaNames.map(() => '?').join(', ')})`,
          params: schemaNames.map((s) => (caseInsensitive ? s.toLowerCase() : s)),
        })),
  ])
  const existingByKey = new Map(existing.map((t) => [tableKey(t.schema, t.name, caseInsensitive), t]))
  const targetTables = new Map<string, TableFacts>()
  for (const t of tables) {
    const match = existingByKey.get(tableKey(t.schema, t.name, caseInsensitive))
    if (match) targetTables.set(tableKey(t.schema, t.name, false), match)
  }
  return {
    config,
    source: sourceFacts,
    target: targetFacts,
    schemas: schemaRows.map((r) => ({ name: str(r['s']), charset: str(r['cs']), collation: str(r['co']) })),
    tables,
    unmatchedObjects: unmatched(config.objects, tables),
    targetTables,
    storedObjects,
    checkConstraints,
    ...charsets,
    targetLimits: limits,
    activeJobs,
    resumedTables: new Set(resumedTables ?? []),
    resumedJob: resumedJob ?? null,
  }
}

/** The target-side twin of a selected source table, if it exists there already. */
export function targetTableOf(facts: Pick<PrecheckFacts, 'targetTables'>, table: TableFacts): TableFacts | undefined {
  return facts.targetTables.get(tableKey(table.schema, table.name, false))
}
