/**
 * A MariaDB sequence as a CREATE SEQUENCE for the target (TiDB and MariaDB take the same syntax), built from the
 * sequence's own row (`SELECT * FROM seq`: what SHOW CREATE SEQUENCE prints, plus the next value).
 *
 * The target starts at the source's `next_not_cached_value`: the value the source itself would hand out next after
 * a restart. Values the source has cached may have been handed out already, so starting any lower could repeat one.
 */
import { CutoverError } from '../../../shared/domain/errors'
import { quoteTable } from '../vocabulary/identifierQuoting'
import type { TableRef } from '../vocabulary/tableRef'
import type { Rewrite } from './ddlRewriter'

/** MariaDB's sequence table row (the columns of every sequence, 10.3+). */
export interface SequenceRow {
  next_not_cached_value: unknown
  minimum_value: unknown
  maximum_value: unknown
  start_value: unknown
  increment: unknown
  cache_size: unknown
  cycle_option: unknown
}

export function sequenceStatement(ref: TableRef, row: SequenceRow): { sql: string; rewrite: Rewrite | null } {
  const big = (v: unknown) => BigInt(String(v))
  const min = big(row.minimum_value)
  const max = big(row.maximum_value)
  const start = big(row.start_value)
  const increment = big(row.increment)
  const cache = big(row.cache_size)
  const cycle = Number(row.cycle_option) === 1
  const name = `${ref.schema}.${ref.name}`
  let next = big(row.next_not_cached_value)
  let wrapped = false
  if ((increment > 0n && next > max) || (increment < 0n && next < min)) {
    if (!cycle) {
      throw new CutoverError({
        code: 'SCHEMA_SEQUENCE_EXHAUSTED',
        stage: 'schema',
        message: `The sequence ${name} has handed out its last value (${increment > 0n ? `maximum ${max}` : `minimum ${min}`}, no CYCLE), so no target sequence can continue it.`,
        workaround: `Restart it on the source (ALTER SEQUENCE ${quoteTable(ref)} RESTART WITH …, or MAXVALUE/MINVALUE further out) or drop it, then run the job again.`,
      })
    }
    // Cycling: the source's next call starts over at the other end.
    next = increment > 0n ? min : max
    wrapped = true
  }
  const sql =
    `CREATE SEQUENCE IF NOT EXISTS ${quoteTable(ref)} START WITH ${next} MINVALUE ${min} MAXVALUE ${max} ` +
    `INCREMENT BY ${increment} ${cache === 0n ? 'NOCACHE' : `CACHE ${cache}`} ${cycle ? 'CYCLE' : 'NOCYCLE'}`
  const rewrite: Rewrite | null =
    next === start
      ? null
      : {
          code: 'SEQUENCE_CONTINUES',
          object: name,
          before: `START WITH ${start}`,
          after: `START WITH ${next}`,
          reason:
            `the target sequence starts where the source's continues${wrapped ? ' (after its cycle wraps around)' : ''}: ${next} is the source's next value not handed out yet, read right after the snapshot (a sequence is not transactional, so no snapshot holds it). ` +
            `Values the source draws after that are not copied: before writes move to the target, run SELECT SETVAL(${quoteTable(ref)}, <the source's next_not_cached_value> - ${increment}) there if the source kept drawing`,
        }
  return { sql, rewrite }
}
