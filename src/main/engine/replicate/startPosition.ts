/**
 * Where an incremental-only job starts (`start`: "now", a file + offset, or a GTID set), validated against the
 * source (the DM `meta_position` check), and the check that its target tables already exist.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { StartPosition } from '../../../shared/domain/job'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { ServerInfo, SqlSession } from '../connect/session'
import { binlogStatusStatement } from '../connect/serverInfo'
import type { TableRef } from '../vocabulary/tableRef'

export async function currentPosition(source: SqlSession, info: ServerInfo): Promise<BinlogPosition> {
  const [row] = await source.query<Record<string, unknown>>(binlogStatusStatement(info))
  if (!row || !row['File']) {
    throw new CutoverError({
      code: 'REPLICATE_NO_BINLOG',
      stage: 'incremental',
      message: 'The source has no binary log, so there is nothing to replicate from.',
      workaround:
        'Enable log_bin (binlog_format=ROW, binlog_row_image=FULL) on the source and restart it, or run an "existing" job.',
    })
  }
  let gtidSet: string | null
  if (info.flavor === 'mariadb') {
    const [g] = await source.query<{ gtid: string | null }>('SELECT @@GLOBAL.gtid_binlog_pos AS gtid')
    gtidSet = g?.gtid ? g.gtid : null
  } else {
    const executed = String(row['Executed_Gtid_Set'] ?? '').replace(/\s+/g, '')
    gtidSet = executed === '' ? null : executed
  }
  return { file: String(row['File']), position: Number(row['Position']), gtidSet }
}

/** Resolves and validates the configured start; a GTID start has no file until the stream names it. */
export async function resolveStart(
  source: SqlSession,
  info: ServerInfo,
  start: StartPosition | null,
): Promise<BinlogPosition> {
  if (start === null || start === 'now') return currentPosition(source, info)
  if ('gtid' in start) {
    const valid =
      info.flavor === 'mariadb'
        ? /^(\d+-\d+-\d+)(,\d+-\d+-\d+)*$/.test(start.gtid)
        : /^[0-9a-f-]{36}(:[A-Za-z0-9_]+)*(:\d+(-\d+)?)+(,[0-9a-f-]{36}(:[A-Za-z0-9_]+)*(:\d+(-\d+)?)+)*$/i.test(
            start.gtid.replace(/\s+/g, ''),
          )
    if (!valid)
      throw invalidStart(
        `"${start.gtid}" is not a ${info.flavor === 'mariadb' ? 'MariaDB GTID position (domain-server-sequence)' : 'MySQL GTID set (uuid:interval)'}`,
      )
    return { file: '', position: 0, gtidSet: start.gtid.replace(/\s+/g, '') }
  }
  const logs = await source.query<{ Log_name: string; File_size: string | number }>('SHOW BINARY LOGS')
  const log = logs.find((l) => l.Log_name === start.file)
  if (!log)
    throw invalidStart(
      `the source has no binlog file ${start.file} (it has ${logs.map((l) => l.Log_name).join(', ') || 'none'})`,
    )
  if (start.position > Number(log.File_size))
    throw invalidStart(`${start.file} is ${log.File_size} bytes long; position ${start.position} is past its end`)
  return { file: start.file, position: start.position, gtidSet: null }
}

function invalidStart(why: string): CutoverError {
  return new CutoverError({
    code: 'REPLICATE_POSITION_INVALID',
    stage: 'incremental',
    message: `The job's start position is not valid: ${why}.`,
    workaround:
      'Use a position from SHOW MASTER STATUS / SHOW BINARY LOGS on the source (an event boundary), a GTID set of this server, or "now".',
  })
}

/** An incremental-only job writes into tables that must already be on the target. */
export async function requireTargetTables(target: SqlSession, tables: TableRef[]): Promise<void> {
  if (tables.length === 0) return
  const rows = await target.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
    `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (${tables.map(() => '(?, ?)').join(', ')})`,
    tables.flatMap((t) => [t.schema, t.name]),
  )
  const present = new Set(rows.map((r) => `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`))
  const missing = tables.map((t) => `${t.schema}.${t.name}`).filter((n) => !present.has(n))
  if (missing.length > 0) {
    throw new CutoverError({
      code: 'REPLICATE_TARGET_TABLES_MISSING',
      stage: 'incremental',
      message: `An incremental job replicates into existing tables, and the target lacks ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}.`,
      workaround:
        'Run an "existing" (or "both") job first to create and fill them, or create them on the target with the same columns, then start this job again.',
    })
  }
}
