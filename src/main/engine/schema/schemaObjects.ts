/**
 * The tables, views and sequences a job's `objects` selects on the source. Tables come from discovery (system
 * schemas never); views and MariaDB sequences come with their whole database (objects `all` or `db`), never on
 * their own: neither is listed by discovery, so `db.name` cannot name one.
 */
import type { JobConfig } from '../../../shared/domain/job'
import { discoverObjects, resolveObjects } from '../connect/discovery'
import type { ServerInfo, SqlSession } from '../connect/session'
import type { TableRef } from '../vocabulary/tableRef'

export async function selectSchemaObjects(
  session: SqlSession,
  info: ServerInfo,
  objects: JobConfig['objects'],
): Promise<{ tables: TableRef[]; views: TableRef[]; sequences: TableRef[] }> {
  const discovered = await discoverObjects(session, info)
  const tables = resolveObjects(discovered, objects).map((t) => ({ schema: t.schema, name: t.table }))
  const schemas = [...new Set(tables.map((t) => t.schema))]
  const wholeDatabases = objects === 'all' ? schemas : schemas.filter((s) => objects.includes(s))
  const views =
    wholeDatabases.length === 0
      ? []
      : (
          await session.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
            `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN (${wholeDatabases.map(() => '?').join(', ')})
             ORDER BY TABLE_SCHEMA, TABLE_NAME`,
            wholeDatabases,
          )
        ).map((v) => ({ schema: v.TABLE_SCHEMA, name: v.TABLE_NAME }))
  const sequences =
    wholeDatabases.length === 0 || info.flavor !== 'mariadb'
      ? []
      : (
          await session.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
            `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
             WHERE TABLE_TYPE = 'SEQUENCE' AND TABLE_SCHEMA IN (${wholeDatabases.map(() => '?').join(', ')})
             ORDER BY TABLE_SCHEMA, TABLE_NAME`,
            wholeDatabases,
          )
        ).map((v) => ({ schema: v.TABLE_SCHEMA, name: v.TABLE_NAME }))
  return { tables, views, sequences }
}
