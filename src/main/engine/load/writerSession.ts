/**
 * Target writer sessions (the existing-data writers and the incremental applier's): the settings that make the
 * target store exactly the source's values, and what the writers need to know of the server on the other end,
 * read once per session.
 */
import { detectServer } from '../connect/serverInfo'
import type { ServerFlavor, SqlSession } from '../connect/session'

export interface WriterTarget {
  flavor: ServerFlavor
}

const targets = new WeakMap<SqlSession, Promise<WriterTarget>>()

/** The server behind a target session, asked once per session. */
export function writerTarget(session: SqlSession): Promise<WriterTarget> {
  let target = targets.get(session)
  if (!target) {
    target = detectServer(session).then((info) => ({ flavor: info.flavor }))
    targets.set(session, target)
    target.catch(() => targets.delete(session))
  }
  return target
}

/** The sql_mode every write to the target runs under (see `prepareWriterSession`). */
export const writerSqlMode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'

/**
 * - sql_mode: zero dates, zero-in-date and invalid dates (a source with ALLOW_INVALID_DATES keeps `2020-02-30`)
 *   and an explicit 0 in an AUTO_INCREMENT column load as they are; not strict, so a zero date is no error, which
 *   is why every write's warnings are read (targetWarnings.ts).
 * - TiDB: `allow_auto_random_explicit_insert`, or a pre-created AUTO_RANDOM key refuses the source's ids (8216).
 *   `tidb_skip_utf8_check` is left as it is (off): bytes that are not valid UTF-8 must not pass silently.
 */
export async function prepareWriterSession(session: SqlSession): Promise<WriterTarget> {
  const target = await writerTarget(session)
  await session.query(`SET SESSION sql_mode = '${writerSqlMode}'`)
  await session.query('SET SESSION foreign_key_checks = 0')
  // Rows are written by key and never read back: READ COMMITTED spares the gap locks that make parallel
  // writers into one table deadlock on each other's neighbouring index entries.
  await session.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')
  if (target.flavor === 'tidb') await session.query('SET SESSION allow_auto_random_explicit_insert = ON')
  return target
}
