/**
 * The consistent snapshot every existing-data reader shares: N source sessions inside one
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` point, opened while writes are blocked, with the binlog
 * position of that point recorded for the incremental stage. The lock is held only while the N
 * transactions start, the position is read and the tables' schema fingerprint is taken, then released (its hold
 * time is reported). DDL is outside the snapshot: a schema read later is the snapshot's only while the fingerprint
 * is unchanged (`changedSince`).
 */
import type { BinlogPosition } from '../../../shared/domain/position'
import { CutoverError } from '../../../shared/domain/errors'
import type { ServerInfo, SqlSession } from '../connect/session'
import { binlogStatusStatement } from '../connect/serverInfo'
import { quoteTable } from '../vocabulary/identifierQuoting'
import { changedTables, readSchemaFingerprint, type SchemaFingerprint } from '../dump/schemaFingerprint'
import type { TableRef } from '../vocabulary/tableRef'

export type LockMethod = 'flush-tables' | 'lock-tables'

export interface Snapshot {
  sessions: SqlSession[]
  /** Null when the source has no binary log (an existing-data job can still run). */
  position: BinlogPosition | null
  method: LockMethod
  lockHoldMs: number
  /** The tables' schema as the snapshot's data has it, read under the lock. */
  schema: SchemaFingerprint
}

/** The snapshot's tables whose schema has changed since the lock was released (a DDL ran after it). */
export async function changedSince(snapshot: Snapshot, session: SqlSession, tables: TableRef[]): Promise<TableRef[]> {
  return changedTables(snapshot.schema, await readSchemaFingerprint(session, tables), tables)
}

/** Errors that mean "not allowed here", after which LOCK TABLES is the managed-MySQL way (RDS, Aurora, Cloud SQL). */
const privilegeErrnos = new Set([1227, 1044, 1045, 1142, 1105])

async function readPosition(session: SqlSession, info: ServerInfo): Promise<BinlogPosition | null> {
  let rows: Record<string, unknown>[]
  try {
    rows = await session.query<Record<string, unknown>>(binlogStatusStatement(info))
  } catch (error) {
    if ((error as { errno?: number }).errno === 1227) {
      throw new CutoverError({
        code: 'SNAPSHOT_POSITION_PRIVILEGE',
        stage: 'existing',
        message: 'The source user may not read the binlog position (SHOW MASTER STATUS was refused).',
        workaround:
          info.flavor === 'mariadb'
            ? 'GRANT BINLOG MONITOR ON *.* TO the migration user (MariaDB ≥ 10.5), or REPLICATION CLIENT on older versions.'
            : 'GRANT REPLICATION CLIENT ON *.* TO the migration user.',
      })
    }
    throw error
  }
  const row = rows[0]
  if (!row || !row['File']) return null
  let gtidSet: string | null
  if (info.flavor === 'mariadb') {
    const [g] = await session.query<{ gtid: string | null }>('SELECT @@GLOBAL.gtid_binlog_pos AS gtid')
    gtidSet = g?.gtid ? g.gtid : null
  } else {
    const executed = String(row['Executed_Gtid_Set'] ?? '').replace(/\s+/g, '')
    gtidSet = executed === '' ? null : executed
  }
  return { file: String(row['File']), position: Number(row['Position']), gtidSet }
}

/**
 * FLUSH TABLES WITH READ LOCK (and LOCK TABLES … READ) wait for statements already running on their tables, and
 * while they wait every new write on the source waits behind them. Statements running this long are reported
 * instead of waited for (mydumper's "long query guard").
 */
const defaultLongQueryGuardSeconds = 10

async function refuseLongQueries(locker: SqlSession, guardSeconds: number): Promise<void> {
  let rows: { id: number; user: string; time: number; info: string }[]
  try {
    rows = await locker.query(
      `SELECT ID AS id, USER AS user, TIME AS time, LEFT(REPLACE(INFO, '\n', ' '), 100) AS info
         FROM information_schema.PROCESSLIST
        WHERE ID <> CONNECTION_ID() AND INFO IS NOT NULL AND TIME >= ? AND USER <> 'system user'
          AND COMMAND NOT IN ('Sleep', 'Daemon', 'Killed', 'Binlog Dump', 'Binlog Dump GTID')
        ORDER BY TIME DESC`,
      [guardSeconds],
    )
  } catch {
    return // Not visible to this user: the lock's own wait timeout still bounds the wait.
  }
  if (rows.length === 0) return
  const list = rows
    .slice(0, 3)
    .map((r) => `id ${r.id}, ${r.user}, ${r.time} s: ${withoutLiterals(r.info)}`)
    .join('; ')
  throw new CutoverError({
    code: 'SNAPSHOT_LONG_QUERY',
    stage: 'existing',
    message: `The snapshot did not take its lock: ${rows.length} statement${rows.length === 1 ? ' has' : 's have'} been running on the source for ${guardSeconds} s or more (${list}${rows.length > 3 ? '; …' : ''}). FLUSH TABLES WITH READ LOCK would wait for ${rows.length === 1 ? 'it' : 'them'} while blocking every write on the source.`,
    workaround:
      'Let them finish, or stop them (KILL QUERY <id>), then resume the job; once granted, the lock is held only for milliseconds.',
  })
}

/** Another session's statement text, its quoted literals replaced: they may hold a password (CREATE USER …). */
function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.)*('|$)|"(?:[^"\\]|\\.)*("|$)/g, "'…'")
}

export async function openSnapshot(options: {
  /** Takes the lock and reads the position; it does not read data, so any session will do. */
  locker: SqlSession
  /** Each starts its consistent-snapshot transaction while the lock is held. */
  readers: SqlSession[]
  info: ServerInfo
  tables: TableRef[]
  /** Seconds the lock may wait for running statements before the snapshot gives up. */
  lockWaitSeconds?: number
  /** Statements running at least this long stop the snapshot before it locks (default 10 s). */
  longQueryGuardSeconds?: number
}): Promise<Snapshot> {
  const { locker, readers, info, tables } = options
  if (readers.length === 0) throw new Error('a snapshot needs at least one reader')
  const lockWait = Math.max(1, options.lockWaitSeconds ?? 60)
  await locker.query(`SET SESSION lock_wait_timeout = ${lockWait}`)
  for (const s of readers) await s.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')

  await refuseLongQueries(locker, options.longQueryGuardSeconds ?? defaultLongQueryGuardSeconds)
  let method: LockMethod = 'flush-tables'
  const started = performance.now()
  // lock_wait_timeout bounds both waits; the client's query timeout must not cut them off first.
  try {
    await locker.runLong('FLUSH TABLES WITH READ LOCK')
  } catch (error) {
    if (!privilegeErrnos.has((error as { errno?: number }).errno ?? 0)) throw lockTimeout(error, lockWait)
    if (tables.length === 0) throw error
    method = 'lock-tables'
    // Managed MySQL forbids FTWRL; locking just the job's tables blocks the writes that matter.
    try {
      await locker.runLong(`LOCK TABLES ${tables.map((t) => `${quoteTable(t)} READ`).join(', ')}`)
    } catch (lockError) {
      throw lockTimeout(lockError, lockWait)
    }
  }
  try {
    const position = await readPosition(locker, info)
    await Promise.all(readers.map((s) => s.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')))
    const schema = await readSchemaFingerprint(locker, tables)
    await locker.query('UNLOCK TABLES')
    return { sessions: readers, position, method, lockHoldMs: performance.now() - started, schema }
  } catch (error) {
    await locker.query('UNLOCK TABLES').catch(() => undefined)
    throw error
  }
}

/** The lock waited `seconds` (lock_wait_timeout, errno 1205) for statements or transactions holding the tables. */
function lockTimeout(error: unknown, seconds: number): unknown {
  if ((error as { errno?: number }).errno !== 1205) return error
  return new CutoverError({
    code: 'SNAPSHOT_LOCK_TIMEOUT',
    stage: 'existing',
    message: `The snapshot lock waited ${seconds} s and was not granted: a statement or an uncommitted transaction on the source holds the tables (writes were blocked meanwhile and are released now).`,
    workaround:
      'Find the blocker (SHOW PROCESSLIST, information_schema.INNODB_TRX for open transactions), let it finish or stop it, then resume the job.',
  })
}
