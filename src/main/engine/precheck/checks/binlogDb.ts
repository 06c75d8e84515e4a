import { binlogStatusStatement } from '../../connect/serverInfo'
import { failed, listSome, pass, readsBinlog, warning, type PrecheckCheck } from '../check'
import { binlogIsOn } from './binlogEnable'

function list(value: unknown): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** binlog-do-db / binlog-ignore-db silently leave changes out of the binlog; every migrated schema must be logged. */
export const binlogDbCheck: PrecheckCheck = {
  id: 'binlog_db',
  title: 'Migrated databases are written to the source binlog',
  appliesTo: readsBinlog,
  async run(facts, ctx) {
    if (!binlogIsOn(facts.source.variables.get('log_bin'))) {
      return warning('Cannot be checked while the binary log is off (see binlog_enable).', 'Enable the binary log, then run the precheck again.')
    }
    if (facts.source.info.auroraRole !== null) return pass('Aurora does not filter its binlog by database.')
    let rows: Record<string, unknown>[]
    const statement = binlogStatusStatement(facts.source.info)
    try {
      rows = await ctx.source(statement)
    } catch (error) {
      return warning(
        `${statement} failed (${(error as Error).message}), so binlog database filters could not be read.`,
        'Grant the privilege named by replication_privilege, then run the precheck again.',
      )
    }
    const row = rows[0] ?? {}
    const doDb = list(row['Binlog_Do_DB'])
    const ignoreDb = list(row['Binlog_Ignore_DB'])
    const schemas = [...new Set(facts.tables.map((t) => t.schema))]
    if (doDb.length > 0) {
      const missing = schemas.filter((s) => !doDb.includes(s))
      if (missing.length > 0) {
        return failed(
          `binlog-do-db limits the binlog to ${doDb.join(', ')}; changes to ${listSome(missing)} are never logged and would be lost.`,
          `my.cnf, [mysqld] section, then restart:\n${missing.map((s) => `  binlog-do-db = ${s}`).join('\n')}\n(or remove every binlog-do-db line)`,
        )
      }
    }
    const ignored = schemas.filter((s) => ignoreDb.includes(s))
    if (ignored.length > 0) {
      return failed(
        `binlog-ignore-db leaves ${listSome(ignored)} out of the binlog; their changes would be lost.`,
        `my.cnf, [mysqld] section: remove ${ignored.map((s) => `binlog-ignore-db = ${s}`).join(', ')}, then restart.`,
      )
    }
    return pass(doDb.length + ignoreDb.length === 0 ? 'The binlog is not filtered by database.' : 'Every migrated database is logged.')
  },
}
