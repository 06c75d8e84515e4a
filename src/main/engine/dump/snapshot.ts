/**
 * The consistent snapshot every existing-data reader shares: N source sessions inside one
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` point, opened while writes are blocked, with the binlog
 * position of that point recorded for the incremental stage. The lock is held only while the N
 * transactions start and the position is read, then released (its hold time is reported).
 */
import type { BinlogPosition } from '../../../shared/domain/position'
import { CutoverError } from '../../../shared/domain/errors'
import type { ServerInfo, SqlSession } from '../connect/session'
import { binlogStatusStatement } from '../connect/serverInfo'
import { quoteTable } from './identifierQuoting'
import type { TableRef } from './types'

export type LockMethod = 'flush-tables' | 'lock-tables'

export interface Snapshot {
  sessions: SqlSession[]
  /** Null when the source has no binary log (an existing-data job can still run). */
  position: BinlogPosition | null
  method: LockMethod
  lockHoldMs: number
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
            ? "GRANT BINLOG MONITOR ON *.* TO the migration user (MariaDB ≥ 10.5), or REPLICATION CLIENT on older versions."
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

export async function openSnapshot(options: {
  /** Takes the lock and reads the position; it does not read data, so any session will do. */
  locker: SqlSession
  /** Each starts its consistent-snapshot transaction while the lock is held. */
  readers: SqlSession[]
  info: ServerInfo
  tables: TableRef[]
  /** Seconds the lock may wait for running statements before the snapshot gives up. */
  lockWaitSeconds?: number
}): Promise<Snapshot> {
  const { locker, readers, info, tables } = options
  if (readers.length === 0) throw new Error('a snapshot needs at least one reader')
  await locker.query(`SET SESSION lock_wait_timeout = ${Math.max(1, options.lockWaitSeconds ?? 60)}`)
  for (const s of readers) await s.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')

  let method: LockMethod = 'flush-tables'
  const started = performance.now()
  try {
    await locker.query('FLUSH TABLES WITH READ LOCK')
  } catch (error) {
    if (!privilegeErrnos.has((error as { errno?: number }).errno ?? 0)) throw error
    if (tables.length === 0) throw error
    method = 'lock-tables'
    // Managed MySQL forbids FTWRL; locking just the job's tables blocks the writes that matter.
    await locker.query(`LOCK TABLES ${tables.map((t) => `${quoteTable(t)} READ`).join(', ')}`)
  }
  try {
    const position = await readPosition(locker, info)
    await Promise.all(readers.map((s) => s.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')))
    await locker.query('UNLOCK TABLES')
    return { sessions: readers, position, method, lockHoldMs: performance.now() - started }
  } catch (error) {
    await locker.query('UNLOCK TABLES').catch(() => undefined)
    throw error
  }
}
