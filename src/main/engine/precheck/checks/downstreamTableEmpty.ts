import { copiesExistingData, failed, listSome, pass, quoteIdentifier, type PrecheckCheck } from '../check'
import { qualifiedName, targetTableOf } from '../precheckFacts'

const BATCH = 100

/** Physical import writes key ranges directly; rows already in a target table would be overwritten silently. */
export const downstreamTableEmptyCheck: PrecheckCheck = {
  id: 'downstream_table_empty',
  title: 'Target tables are empty (physical mode)',
  appliesTo: (config) => config.mode === 'physical' && copiesExistingData(config),
  async run(facts, ctx) {
    // A resumed job's own partial load is expected: its chunk checkpoints say which rows it wrote.
    const existing = facts.tables
      .filter((t) => t.kind === 'table' && !facts.resumedTables.has(qualifiedName(t)))
      .map((t) => targetTableOf(facts, t))
      .filter((t) => t !== undefined)
    const nonEmpty: string[] = []
    for (let i = 0; i < existing.length; i += BATCH) {
      const batch = existing.slice(i, i + BATCH)
      // One round trip per hundred tables: LIMIT 1 stops at the first row, so it costs the same on any size.
      const sql = batch
        .map((t) => `(SELECT ? AS t FROM ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)} LIMIT 1)`)
        .join(' UNION ALL ')
      const rows = await ctx.target<{ t: string }>(sql, batch.map(qualifiedName))
      nonEmpty.push(...rows.map((r) => String(r.t)))
      if (ctx.signal.aborted) break
    }
    if (nonEmpty.length === 0) {
      return pass(
        existing.length === 0
          ? 'None of the selected tables exists on the target yet.'
          : `${existing.length} existing target tables are empty.`,
      )
    }
    const truncate = nonEmpty
      .slice(0, 20)
      .map((n) => `TRUNCATE TABLE \`${n.replace('.', '`.`')}\`;  -- on the target`)
      .join('\n')
    const have = nonEmpty.length === 1 ? 'has' : 'have'
    if (facts.resumedJob) {
      // A stored job keeps its mode: "set mode: logical" would only be refused as different settings.
      return failed(
        `Physical mode needs empty target tables, and ${listSome(nonEmpty)} already ${have} rows that job "${facts.resumedJob}" did not write (it has no checkpoints for ${nonEmpty.length === 1 ? 'that table' : 'those tables'}).`,
        `${truncate}\nor, to keep those rows and copy over them with mode: logical, give the job file a new name (a new job; this one's progress is not reused).`,
      )
    }
    return failed(
      `Physical mode needs empty target tables, and ${listSome(nonEmpty)} already ${have} rows.`,
      truncate,
      [
        {
          kind: 'setting',
          setting: 'mode',
          value: 'logical',
          join: 'or',
          note: 'it replaces target rows that have the same key',
        },
      ],
    )
  },
}
