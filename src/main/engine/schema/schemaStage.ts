/**
 * The schema stage: databases, then sequences (table defaults may call NEXTVAL), then tables, then views (in
 * dependency order) created on the target from the source's own SHOW CREATE output, with the rewrites the target
 * needs. `planSchema` only reads (it serves `cutover schema-preview`); `applySchema` executes a plan. Triggers,
 * routines and events are listed, never created.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { ServerFlavor } from '../../../shared/domain/connectionTest'
import type { LogLevel } from '../../../shared/domain/events'
import type { JobSpec } from '../../../shared/domain/job'
import type { ServerInfo, SqlSession } from '../connect/session'
import { probeFulltext } from '../connect/tidbFeatures'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import type { TableRef } from '../vocabulary/tableRef'
import { collationChange, readCharsetCatalog, targetCharset, targetCollation } from './collationMapping'
import type { Rewrite, TargetCapabilities } from './ddlRewriter'
import { rewriteCreateTable, rewriteCreateView } from './ddlRewriter'
import { deferSecondaryIndexes } from './deferredIndexes'
import { sequenceStatement, type SequenceRow } from './sequenceDdl'
import { viewDependencyOrder } from './viewOrder'

export interface SchemaStatement {
  kind: 'database' | 'sequence' | 'table' | 'view'
  object: string
  database: string
  sql: string
  /** Warnings the target gives for this statement that change nothing (see RewrittenDdl). */
  expectedWarnings?: { code: number; column: string }[]
}

export interface SchemaPlan {
  statements: SchemaStatement[]
  rewrites: Rewrite[]
  /** Triggers, routines and events of the selected databases (and sequences a target lacks): reported, not migrated. */
  notMigrated: { kind: 'trigger' | 'procedure' | 'function' | 'event' | 'sequence'; name: string }[]
  /** Physical mode: plain secondary indexes built after the data (deferredIndexes.ts), one ALTER per table. */
  deferredIndexes: { table: string; statement: string }[]
}

/**
 * What the target supports, for the DDL rewriter. On a TiDB target with `databases` (the job's), a probe table
 * shows whether FULLTEXT indexes are kept (tidbFeatures.ts): the version number does not tell.
 */
export async function readTargetCapabilities(
  target: SqlSession,
  info: ServerInfo,
  options: { policy?: { fulltext: 'keep' | 'drop'; spatial: 'fail' | 'drop' }; databases?: readonly string[] } = {},
): Promise<TargetCapabilities> {
  const catalog = await readCharsetCatalog((sql) => target.query(sql), info)
  const policy = options.policy ?? { fulltext: 'keep', spatial: 'fail' }
  const tidb = info.flavor === 'tidb'
  const fulltextProbe =
    tidb && policy.fulltext === 'keep' && options.databases !== undefined
      ? await probeFulltext((sql, params) => target.query(sql, params), options.databases)
      : undefined
  return {
    isTidb: tidb,
    tidbVersion: tidb ? info.version : null,
    sequences: info.flavor !== 'mysql',
    ...catalog,
    ...policy,
    ...(fulltextProbe ? { fulltextProbe } : {}),
  }
}

const withIfNotExists = (sql: string) => sql.replace(/^\s*CREATE\s+TABLE\s+/i, 'CREATE TABLE IF NOT EXISTS ')
const orReplaceView = (sql: string) => sql.replace(/^\s*CREATE\s+(OR\s+REPLACE\s+)?/i, 'CREATE OR REPLACE ')

/**
 * Whether the spec's `deferIndexes` builds indexes after the data on this target. 'auto' is off on TiDB: there the
 * ADD INDEX backfills, one table at a time after its data, made the benchmark's logical copy far slower (2 M rows,
 * concurrency 4: 207 s against 118 s, 138 s of TiDB CPU against 130 s) and the physical one no faster beyond the
 * noise (102 s against 110 s); on MySQL and MariaDB one build after the data is the faster way.
 */
export function defersIndexes(setting: JobSpec['deferIndexes'], target: ServerFlavor): boolean {
  return setting === 'auto' ? target !== 'tidb' : setting
}

/**
 * Which tables get their plain secondary indexes built after the data: when the spec defers them on this
 * target (`defersIndexes`), the tables this job creates. A table that already exists on the target keeps the
 * indexes it has (the job does not create it, so it must not alter it either).
 */
export async function indexDeferral(
  target: SqlSession,
  tables: TableRef[],
  setting: JobSpec['deferIndexes'],
  flavor: ServerFlavor,
): Promise<(table: TableRef) => boolean> {
  if (!defersIndexes(setting, flavor) || tables.length === 0) return () => false
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
  objects: { tables: TableRef[]; views: TableRef[]; sequences?: TableRef[] },
  /** `deferIndexes(table)`: build the table's plain secondary indexes after its data (deferredIndexes.ts). */
  options: { deferIndexes?: (table: TableRef) => boolean } = {},
): Promise<SchemaPlan> {
  const statements: SchemaStatement[] = []
  const deferredIndexes: SchemaPlan['deferredIndexes'] = []
  const rewrites: Rewrite[] = []
  const databases = [
    ...new Set([...objects.tables, ...objects.views, ...(objects.sequences ?? [])].map((t) => t.schema)),
  ].sort()

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
          reason: `the target has no collation ${db.DEFAULT_COLLATION_NAME}; ${collation} is the nearest it has, and it is the default of tables created in the database later: ${collationChange(db.DEFAULT_COLLATION_NAME, collation)}`,
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

  const notMigrated: SchemaPlan['notMigrated'] = []
  for (const sequence of objects.sequences ?? []) {
    const name = `${sequence.schema}.${sequence.name}`
    if (target.sequences === false) {
      notMigrated.push({ kind: 'sequence', name })
      continue
    }
    const [row] = await source.query<SequenceRow>(`SELECT * FROM ${quoteTable(sequence)}`)
    const built = sequenceStatement(sequence, row!)
    if (built.rewrite) rewrites.push(built.rewrite)
    statements.push({ kind: 'sequence', object: name, database: sequence.schema, sql: built.sql })
  }

  for (const table of objects.tables) {
    const [row] = await source.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${quoteTable(table)}`)
    const rewritten = rewriteCreateTable(row!['Create Table'], target, { schema: table.schema })
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
      ...(rewritten.expectedWarnings ? { expectedWarnings: rewritten.expectedWarnings } : {}),
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

/**
 * The session the schema is created in. Foreign key checks are off, so a child table may be created before the
 * parent it references (tables come in name order). The sql_mode is the writers' (load/writerSession.ts): no
 * strict mode and no NO_ZERO_DATE, so TiDB takes a zero TIMESTAMP default and a TEXT/BLOB `DEFAULT ''` as the
 * source has them (both refused under TiDB's default sql_mode: errors 1067 and 1101).
 * Outside strict mode a server may also quietly make a different table (VARCHAR(70000) becomes MEDIUMTEXT, a long
 * index prefix is cut, warnings 1246 and 1071): every warning a CREATE gives is read, and any the plan did not
 * expect fails the stage.
 */
const schemaSqlMode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'

interface TargetWarning {
  Level: string
  Code: number | string
  Message: string
}

/**
 * Warnings that say the statement is old-fashioned, not that the table differs: 1681 integer display width,
 * 1287 and 3719 deprecated syntax and the `utf8` alias, 3778 a deprecated collation, 1831 a duplicate index the
 * source has too.
 */
const noChangeWarnings = new Set([1681, 1287, 3719, 3778, 1831])

/** Changes the precheck reports in an item of their own: logged, not failed on. */
const reportedElsewhere = [
  // TiDB drops CHECK constraints while tidb_enable_check_constraint is OFF (the check_constraints item).
  { code: 1105, message: /tidb_enable_check_constraint/ },
]

/** Warnings of `statement` the plan did not expect; notes (1050: it already exists) are not changes. */
function unexpectedWarnings(statement: SchemaStatement, warnings: TargetWarning[]): TargetWarning[] {
  return warnings.filter((w) => {
    if (String(w.Level).toLowerCase() === 'note' || noChangeWarnings.has(Number(w.Code))) return false
    return !(statement.expectedWarnings ?? []).some(
      (e) => e.code === Number(w.Code) && String(w.Message).includes(`'${e.column}'`),
    )
  })
}

/** How each schema rewrite's log entry begins (the migration report lists them by it; its codes vary by rewrite). */
export const rewriteLogPrefix = 'Schema rewrite on '

export async function applySchema(
  plan: SchemaPlan,
  target: SqlSession,
  log: (level: LogLevel, message: string, code?: string) => void,
): Promise<{ created: string[] }> {
  const created: string[] = []
  for (const r of plan.rewrites)
    log('info', `${rewriteLogPrefix}${r.object}: ${r.before} → ${r.after} (${r.reason}).`, r.code)
  for (const d of plan.deferredIndexes) {
    log('info', `Secondary indexes of ${d.table} are built after its data: ${d.statement}`, 'SCHEMA_INDEXES_DEFERRED')
  }
  for (const o of plan.notMigrated) {
    log(
      'warning',
      o.kind === 'sequence'
        ? `The sequence ${o.name} is not migrated: the target has no sequences; create an equivalent (an AUTO_INCREMENT table, for one) yourself if you need it.`
        : `The ${o.kind} ${o.name} is not migrated: create it on the target yourself if you need it (TiDB has no ${o.kind}s).`,
      'SCHEMA_NOT_MIGRATED',
    )
  }
  const [saved] = await target.query<{ mode: string; fk: number | string }>(
    'SELECT @@SESSION.sql_mode AS mode, @@SESSION.foreign_key_checks AS fk',
  )
  await target.query('SET SESSION sql_mode = ?, SESSION foreign_key_checks = 0', [schemaSqlMode])
  try {
    let current: string | null = null
    for (const statement of plan.statements) {
      if (statement.kind !== 'database' && statement.database !== current) {
        await target.query(`USE ${quoteIdentifier(statement.database)}`)
        current = statement.database
      }
      await target.query(statement.sql)
      if (statement.kind !== 'table') continue
      const warnings = await target.query<TargetWarning>('SHOW WARNINGS')
      const existed = warnings.some((w) => Number(w.Code) === 1050)
      if (!existed) created.push(statement.object)
      const known = (w: TargetWarning) =>
        reportedElsewhere.some((k) => k.code === Number(w.Code) && k.message.test(String(w.Message)))
      for (const w of warnings.filter(known))
        log('warning', `${statement.object} on the target: ${w.Message} (${w.Code}).`, 'SCHEMA_TARGET_WARNING')
      const unexpected = unexpectedWarnings(statement, warnings).filter((w) => !known(w))
      if (unexpected.length === 0) continue
      // A table this statement made differs from the source's: never leave it for a resumed job to load into.
      const ref = { schema: statement.database, name: statement.object.slice(statement.database.length + 1) }
      if (!existed) await target.query(`DROP TABLE IF EXISTS ${quoteTable(ref)}`)
      throw new CutoverError({
        code: 'SCHEMA_TARGET_CHANGED_TABLE',
        stage: 'schema',
        message: `The target would create ${statement.object} differently from the source: ${unexpected.map((w) => `${w.Code} ${w.Message}`).join('; ')}.`,
        workaround: `Change ${statement.object} on the source so the target can hold it as it is (see the warning), or create it on the target yourself and run the job again (an existing table is kept).`,
      })
    }
  } finally {
    await target.query('SET SESSION sql_mode = ?, SESSION foreign_key_checks = ?', [
      saved?.mode ?? '',
      Number(saved?.fk ?? 1),
    ])
  }
  return { created }
}
