/**
 * The writers' safety net: a target that stores a value other than the one sent (a date TiDB's LOAD DATA will not
 * take, a string cut to a narrower pre-created column, bytes that are not valid in the column's charset) answers
 * OK with a warning count, and under the writers' non-strict sql_mode that count is the only sign. Every write
 * statement's count is read (connect/rawQuery.ts); a non-zero count is listed with SHOW WARNINGS on the same
 * session and stops the chunk, rolled back, with LOAD_TARGET_WARNINGS.
 *
 * Two warnings are harmless, since they name no value:
 * - on LOAD DATA, MariaDB's 1638 "Non-ASCII separator arguments are not fully supported", raised once per
 *   statement (at parse time, whatever the rows, even for an empty file) for our 0xFF enclosure; the stream is read
 *   as CHARACTER SET binary, where 0xFF is a plain byte, and the type zoo arrives bit-identical with it;
 * - TiDB's 1105 "skip prepared plan-cache: too many values in the insert statement" (or another reason the plan
 *   cache skips a statement), raised by the multi-row prepared REPLACE: a note about TiDB's plan cache.
 * The incremental applier reads the same count on every replicated statement (its text REPLACE, INSERT, UPDATE
 * and DELETE): a change the target stored differently stops the job the same way, its transaction rolled back.
 * Every other code (1264 out of range, 1265 data truncated, 1292 incorrect date value, 1366 incorrect string value,
 * 1261/1262 column counts, …) can mean a stored value differs from the source's, and so can any warning beyond
 * the ones SHOW WARNINGS lists (it lists max_error_count of them).
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { SqlSession } from '../connect/session'
import type { TableRef } from '../vocabulary/tableRef'
import { isTransient } from '../retryPolicy'

export interface TargetWarning {
  level: string
  code: number
  message: string
}

/** A write statement answered with warnings: `count` in all, `warnings` the first ones SHOW WARNINGS lists. */
export class TargetWarningsError extends Error {
  constructor(
    readonly statement: 'LOAD DATA' | 'REPLACE' | 'INSERT' | 'replicated change',
    readonly count: number,
    readonly warnings: TargetWarning[],
  ) {
    super(`${statement} raised ${count} warning${count === 1 ? '' : 's'}: ${describeWarnings(warnings)}`)
    this.name = 'TargetWarningsError'
  }
}

function describeWarnings(warnings: TargetWarning[]): string {
  if (warnings.length === 0) return '(SHOW WARNINGS listed none)'
  const shown = warnings.slice(0, 3).map((w) => `${w.level} ${w.code} ${w.message}`)
  return shown.join('; ') + (warnings.length > 3 ? `; and ${warnings.length - 3} more` : '')
}

/**
 * The warnings of the statement that just ran on `session`; must be the session's next statement after it.
 * Text cells may arrive as Buffers on a session that reads results as binary.
 */
export async function readWarnings(session: SqlSession): Promise<TargetWarning[]> {
  const rows = await session.query<Record<string, unknown>>('SHOW WARNINGS')
  const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? ''))
  return rows.map((r) => ({ level: text(r.Level), code: Number(text(r.Code)), message: text(r.Message) }))
}

/** Warnings that change no value (see above). */
function harmless(statement: TargetWarningsError['statement'], warning: TargetWarning): boolean {
  if (statement === 'LOAD DATA' && warning.code === 1638) return true
  return warning.code === 1105 && /^skip (prepared |non-prepared )?plan-cache\b/i.test(warning.message)
}

/**
 * After a statement answered with `count` warnings: the error that stops the chunk, naming them, or null when
 * every one of them is harmless.
 */
export async function warningsFailure(
  session: SqlSession,
  statement: TargetWarningsError['statement'],
  count: number,
): Promise<TargetWarningsError | null> {
  // A connection lost before the warnings could be read is that loss (retried), not unknown warnings.
  const listed = await readWarnings(session).catch((error: unknown) => {
    if (isTransient(error)) throw error
    return []
  })
  const harmful = listed.filter((w) => !harmless(statement, w))
  if (harmful.length === 0 && count <= listed.length) return null
  return new TargetWarningsError(statement, count - (listed.length - harmful.length), harmful)
}

/** The coded error for a chunk stopped by warnings (its rows rolled back). */
export function targetWarningsError(
  table: TableRef,
  chunk: number | undefined,
  error: TargetWarningsError,
): CutoverError {
  const where = `${table.schema}.${table.name}${chunk === undefined ? '' : ` (chunk ${chunk})`}`
  const duplicate = error.warnings.find((w) => w.code === 1062)
  if (duplicate) return duplicateKeyError(table, chunk, duplicate.message)
  const physical = error.statement === 'LOAD DATA'
  return new CutoverError({
    code: 'LOAD_TARGET_WARNINGS',
    stage: 'existing',
    message:
      `Copying ${where} stopped: the target's ${error.statement} raised ${error.count} warning${error.count === 1 ? '' : 's'}, ` +
      `so it would have stored values other than the source's: ${describeWarnings(error.warnings)}. ` +
      (physical
        ? "None of the chunk's rows were kept (rolled back)."
        : 'The open transaction was rolled back; the chunk is copied again in full when the job resumes.'),
    workaround: physical
      ? 'Copy with logical mode (prepared REPLACE keeps values LOAD DATA changes), or make the target table able to hold the source values (a pre-created target table needs the source column types), then resume the job.'
      : 'Make the target table able to hold the source values (a pre-created target table needs the source column types and charsets; drop it to let the job create it), then resume the job.',
  })
}

/**
 * A chunk written into a table the target had no rows of met a key the target already holds: two source rows
 * whose keys the target's unique index holds as equal (a collation that compares them equal where the source's
 * does not, trailing spaces under PAD SPACE). A REPLACE would have kept one of them silently. On TiDB, when the
 * two rows are in chunks committed at the same time, the second commit fails as a write conflict (9007) instead
 * of a duplicate entry (1062): chunks never write each other's keys otherwise, unless another client writes the
 * table.
 */
export function duplicateKeyError(
  table: TableRef,
  chunk: number | undefined,
  detail: string,
  cause: 'duplicate' | 'conflict' = 'duplicate',
): CutoverError {
  const where = `${table.schema}.${table.name}${chunk === undefined ? '' : ` (chunk ${chunk})`}`
  const why =
    cause === 'duplicate'
      ? "The target holds two source rows' keys as equal, so one of them could not be stored."
      : 'Another transaction wrote the same key: two source rows whose keys the target holds as equal (in another chunk), or another client writing this table.'
  return new CutoverError({
    code: 'LOAD_DUPLICATE_KEY',
    stage: 'existing',
    message: `Copying ${where} stopped: ${detail}. ${why} The chunk's open transaction was rolled back.`,
    workaround:
      "Compare the key columns' collations on source and target (schema-preview lists the collation rewrites): give the target table a collation that tells these keys apart (pre-create it), or make the keys unique on the source; make sure no other client writes the target table; then resume the job.",
  })
}

/** The coded error for a replicated change stopped by warnings (its transaction rolled back). */
export function replicatedWarningsError(table: TableRef | undefined, error: TargetWarningsError): CutoverError {
  const where = table ? `${table.schema}.${table.name}` : 'a table'
  return new CutoverError({
    code: 'REPLICATE_TARGET_WARNINGS',
    stage: 'incremental',
    message:
      `Applying a change to ${where} stopped: the target raised ${error.count} warning${error.count === 1 ? '' : 's'}, ` +
      `so it would have stored values other than the source's: ${describeWarnings(error.warnings)}. ` +
      'The transaction was rolled back; nothing of it is on the target.',
    workaround:
      "Make the target table able to hold the source values (the source's column types, lengths and charsets: compare SHOW CREATE TABLE on both), then resume the job; it replays from its last checkpoint.",
  })
}
