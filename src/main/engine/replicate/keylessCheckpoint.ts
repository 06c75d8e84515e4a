/**
 * The replication checkpoint of tables without a key, kept on the target. Replaying a change after an abrupt stop
 * is idempotent only where a key identifies the row (safe mode); an insert into a key-less table would be applied
 * twice. So the transactions that change such tables are applied by one writer in binlog order, each in one target
 * transaction that also writes its binlog end to `cutover_meta`.`keyless_applied`: after a restart, such a
 * transaction ending at or before that position is on the target, one ending after it is not.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { SqlSession } from '../connect/session'
import type { BinlogPoint } from './safeMode'

const table = '`cutover_meta`.`keyless_applied`'
/** No such database / table: no key-less change of any job was applied yet. */
const missing = new Set([1049, 1146])

export async function readKeylessCheckpoint(target: SqlSession, jobId: string): Promise<BinlogPoint | null> {
  try {
    const [row] = await target.query<{ file: string; position: number | string }>(
      `SELECT file, position FROM ${table} WHERE job_id = ?`,
      [jobId],
    )
    return row ? { file: String(row.file), position: Number(row.position) } : null
  } catch (error) {
    if (missing.has((error as { errno?: number }).errno ?? 0)) return null
    throw error
  }
}

/** Forgets the job's checkpoint: a new first snapshot starts its replication over. */
export async function clearKeylessCheckpoint(target: SqlSession, jobId: string): Promise<void> {
  try {
    await target.query(`DELETE FROM ${table} WHERE job_id = ?`, [jobId])
  } catch (error) {
    if (!missing.has((error as { errno?: number }).errno ?? 0)) throw error
  }
}

export async function createKeylessCheckpointTable(target: SqlSession): Promise<void> {
  try {
    await target.query('CREATE DATABASE IF NOT EXISTS `cutover_meta`')
    await target.query(
      `CREATE TABLE IF NOT EXISTS ${table} (job_id VARCHAR(64) NOT NULL PRIMARY KEY, file VARCHAR(255) NOT NULL, position BIGINT UNSIGNED NOT NULL)`,
    )
  } catch (error) {
    throw new CutoverError({
      code: 'REPLICATE_KEYLESS_CHECKPOINT',
      stage: 'incremental',
      message: `Creating ${table} on the target failed: ${(error as Error).message}. Changes to tables without a primary or unique key are committed together with their binlog position in it, so that a restart applies each of them exactly once.`,
      workaround:
        'Grant the target user CREATE, SELECT, INSERT, UPDATE and DELETE on `cutover_meta`.* (GRANT ALL ON `cutover_meta`.* TO …), or create the table yourself with the statement in the message, then resume the job.',
    })
  }
}

/** The statement that records `end` for the job, run inside the target transaction that applies it. */
export function keylessCheckpointStatement(jobId: string, end: BinlogPoint): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO ${table} (job_id, file, position) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE file = VALUES(file), position = VALUES(position)`,
    params: [jobId, end.file, end.position],
  }
}
