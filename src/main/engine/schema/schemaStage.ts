/**
 * The schema stage: databases, then tables, then views (in dependency order) created on the target from the
 * source's own SHOW CREATE output, with the rewrites the target needs. `planSchema` only reads (it serves
 * `cutover schema-preview`); `applySchema` executes a plan. Triggers, routines and events are listed, never created.
 */
import type { LogLevel } from '../../../shared/domain/events'
import type { ServerInfo, SqlSession } from '../connect/session'
import { quoteIdentifier, quoteTable } from '../dump/identifierQuoting'
import type { TableRef } from '../dump/types'
import { readCharsetCatalog, targetCharset, targetCollation } from './collationMapping'
import type { Rewrite, TargetCapabilities } from './ddlRewriter'
import { rewriteCreateTable, rewriteCreateView } from './ddlRewriter'
import { deferSecondaryIndexes } from './deferredIndexes'
import { viewDependencyOrder } from './viewOrder'

export interface SchemaStatement {
  kind: 'database' | 'table' | 'view'
  object: string
  database: string
  sql: string
}

export interface SchemaPlan {
  statements: SchemaStatement[]
  rewrites: Rewrite[]
  /** Triggers, routines and events of the selected databases: reported, not migrated. */
  notMigrated: { kind: 'trigger' | 'procedure' | 'function' | 'event'; name: string }[]
  /** Physical mode: plain secondary indexes built after the data (deferredIndexes.ts), one ALTER per table. */
  deferredIndexes: { table: string; statement: string }[]
}

export async function readTargetCapabilities(
  target: SqlSession,
  info: ServerInfo,
  policy: { fulltext: 'keep' | 'drop'; spatial: 'fail' | 'drop' } = { fulltext: 'keep', spatial: 'fail' },
): Promise<TargetCapabilities> {
  const catalog = await readCharsetCatalog((sql) => target.query(sql), info)
  return {
    isTidb: info.flavor === 'tidb',
    tidbVersion: info.flavor === 'tidb' ? info.version : null,
    ...catalog,
    ...policy,
  }
}

const withIfNotExists = (sql: string) => sql.replace(/^\s*CREATE\s+TABLE\s+/i, 'CREATE TABLE IF NOT EXISTS ')
const orReplaceView = (sql: string) => sql.replace(/^\s*CREATE\s+(OR\s+REPLACE\s+)?/i, 'CREATE OR REPLACE ')

/**
 * Which tables get their plain secondary indexes built after the data: with the spec's `deferIndexes` on,
 * the tables this job creates. A table that already exists on the target keeps the indexes it has (the
 * job does not create it, so it must not alter it either).
 */
export async function indexDeferral(
  target: SqlSession,
  tables: TableRef[],
  enabled: boolean,
): Promise<(table: TableRef) => boolean> {
  if (!enabled || tables.length === 0) return () => false
  const schemas = [...new Set(tables.map((t) => t.schema))]
  const rows = await target.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
    `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${schemas.map(() => '?').join(', ')})`,
    schemas,
  )
  const existing = new Set(rows.map((r) => `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`))
  return (table) => !existing.has(`${table.schema}.${table.name}`)
}

export async function planSchema(
  source: SqlSession,
  target: TargetCapabilities,
  objects: { tables: TableRef[]; views: TableRef[] },
  /** `deferIndexes(table)`: build the table's plain secondary indexes after its data (deferredIndexes.ts). */
  options: { deferIndexes?: (table: TableRef) => boolean } = {},
): Promise<SchemaPlan> {
  const statements: SchemaStatement[] = []
  const deferredIndexes: SchemaPlan['deferredIndexes'] = []
  const rewrites: Rewrite[] = []
  const databases = [...new Set([...objects.tables, ...objects.views].map((t) => t.schema))].sort()

  if (databases.length > 0) {
    const rows = await source.query<{
      SCHEMA_NAME: string
      DEFAULT_CHARACTER_SET_NAME: string
      DEFAULT_COLLATION_NAME: string
    }>(
      `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA
       WHERE SCHEMA_NAME IN (${databases.map(() => '?').join(', ')})`,
      databases,
    )
    for (const db of rows) {
      const charset = targetCharset(db.DEFAULT_CHARACTER_SET_NAME.toLowerCase(), target, db.SCHEMA_NAME)
      const collation = targetCollation(db.DEFAULT_COLLATION_NAME.toLowerCase(), target, db.SCHEMA_NAME)
      if (collation !== db.DEFAULT_COLLATION_NAME.toLowerCase()) {
        rewrites.push({
          code: 'SCHEMA_COLLATION',
          object: db.SCHEMA_NAME,
          before: db.DEFAULT_COLLATION_NAME,
          after: collation,
          reason: `the target has no collation ${db.DEFAULT_COLLATION_NAME}`,
        })
      }
      statements.push({
        kind: 'database',
        object: db.SCHEMA_NAME,
        database: db.SCHEMA_NAME,
        sql: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db.SCHEMA_NAME)} CHARACTER SET ${charset} COLLATE ${collation}`,
      })
    }
  }

  for (const table of objects.tables) {
    const [row] = await source.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${quoteTable(table)}`)
    const rewritten = rewriteCreateTable(row!['Create Table'], target)
    rewrites.push(...rewritten.rewrites.map((r) => ({ ...r, object: `${table.schema}.${r.object}` })))
    let sql = rewritten.sql
    if (options.deferIndexes?.(table)) {
      const split = deferSecondaryIndexes(sql, table)
      sql = split.createSql
      if (split.alterSql) deferredIndexes.push({ table: `${table.schema}.${table.name}`, statement: split.alterSql })
    }
    statements.push({
      kind: 'table',
      object: `${table.schema}.${table.name}`,
      database: table.schema,
      sql: withIfNotExists(sql),
    })
  }

  const views: { ref: TableRef; sql: string }[] = []
  for (const view of objects.views) {
    const [row] = await source.query<{ 'Create View': string }>(`SHOW CREATE VIEW ${quoteTable(view)}`)
    const rewritten = rewriteCreateView(row!['Create View'], target)
    rewrites.push(...rewritten.rewrites.map((r) => ({ ...r, object: `${view.schema}.${r.object}` })))
    views.push({ ref: view, sql: orReplaceView(rewritten.sql) })
  }
  const byName = new Map(views.map((v) => [`${v.ref.schema}.${v.ref.name}`, v]))
  for (const name of viewDependencyOrder(views.map((v) => ({ name: `${v.ref.schema}.${v.ref.name}`, sql: v.sql })))) {
    const view = byName.get(name)!
    statements.push({ kind: 'view', object: name, database: view.ref.schema, sql: view.sql })
  }

  const notMigrated: SchemaPlan['notMigrated'] = []
  if (databases.length > 0) {
    const marks = databases.map(() => '?').join(', ')
    for (const t of await source.query<{ n: string }>(
      `SELECT CONCAT(TRIGGER_SCHEMA, '.', TRIGGER_NAME) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (${marks}) ORDER BY n`,
      databases,
    ))
      notMigrated.push({ kind: 'trigger', name: t.n })
    for (const r of await source.query<{ n: string; k: string }>(
      `SELECT CONCAT(ROUTINE_SCHEMA, '.', ROUTINE_NAME) AS n, ROUTINE_TYPE AS k FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (${marks}) ORDER BY n`,
      databases,
    ))
      notMigrated.push({ kind: r.k.toLowerCase() === 'function' ? 'function' : 'procedure', name: r.n })
    for (const e of await source.query<{ n: string }>(
      `SELECT CONCAT(EVENT_SCHEMA, '.', EVENT_NAME) AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA IN (${marks}) ORDER BY n`,
      databases,
    ))
      notMigrated.push({ kind: 'event', name: e.n })
  }
  return { statements, rewrites, notMigrated, deferredIndexes }
}

export async function applySchema(
  plan: SchemaPlan,
  target: SqlSession,
  log: (level: LogLevel, message: string, code?: string) => void,
): Promise<void> {
  for (const r of plan.rewrites)
    log('info', `Schema rewrite on ${r.object}: ${r.before} → ${r.after} (${r.reason}).`, r.code)
  for (const d of plan.deferredIndexes) {
    log(
      'info',
      `Secondary indexes of ${d.table} are built after its data: ${d.statement}`,
      'SCHEMA_INDEXES_DEFERRED',
    )
  }
  for (const o of plan.notMigrated) {
    log(
      'warning',
      `The ${o.kind} ${o.name} is not migrated: create it on the target yourself if you need it (TiDB has no ${o.kind}s).`,
      'SCHEMA_NOT_MIGRATED',
    )
  }
  let current: string | null = null
  for (const statement of plan.statements) {
    if (statement.kind !== 'database' && statement.database !== current) {
      await target.query(`USE ${quoteIdentifier(statement.database)}`)
      current = statement.database
    }
    await target.query(statement.sql)
  }
}
