/**
 * A resumed copy takes a new snapshot. A table still being copied whose schema changed since the snapshot its
 * committed chunks came from (a DDL while the job was stopped) cannot take the rest of its rows from the new one:
 * its target table is created again from the new schema and the table is copied again from the new snapshot. The
 * incremental stage then skips the table's changes (and the DDL) up to that snapshot: its copy has them.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { LogLevel } from '../../../shared/domain/events'
import type { SnapshotTable } from '../../store/jobStore'
import type { CheckpointPort } from '../jobStage'
import type { SqlSession } from '../connect/session'
import { quoteTable } from '../vocabulary/identifierQuoting'
import type { Snapshot } from '../snapshot/snapshot'
import type { TableRef } from '../vocabulary/tableRef'
import { qualified, tableKey } from '../vocabulary/tableRef'
import type { SchemaPlan } from '../schema/schemaStage'
import { applySchema } from '../schema/schemaStage'

export async function recreateChangedTables(options: {
  jobId: string
  store: CheckpointPort
  target: SqlSession
  tables: TableRef[]
  /** The schema stage's plan for `tables`, read at `snapshot`. */
  plan: SchemaPlan
  snapshot: Snapshot
  /** What the store holds for each table's earlier snapshot. */
  copied: Map<string, SnapshotTable>
  replicates: boolean
  log(level: LogLevel, message: string, code?: string): void
}): Promise<void> {
  const { jobId, store, target, tables } = options
  const names = tables.map(qualified)
  for (const t of tables) {
    if (options.copied.get(qualified(t))?.created) continue
    const [exists] = await target.query(
      'SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [t.schema, t.name],
    )
    if (!exists) continue
    throw new CutoverError({
      code: 'LOAD_SOURCE_SCHEMA_CHANGED',
      stage: 'existing',
      message: `${qualified(t)} changed on the source while the job was stopped (a DDL ran between the snapshot its copied rows come from and this one), and its target table existed before the job, so the job does not replace it.`,
      workaround:
        'Restart the job to copy everything again from one snapshot, or drop the target table and resume: the job then creates it from the new schema and copies it again.',
    })
  }
  const [fk] = await target.query<{ fk: number | string }>('SELECT @@SESSION.foreign_key_checks AS fk')
  await target.query('SET SESSION foreign_key_checks = 0')
  try {
    for (const t of tables) {
      await target.query(`DROP TABLE IF EXISTS ${quoteTable(t)}`)
      store.forgetChunks(jobId, qualified(t))
      store.deferredIndexesBuilt(jobId, qualified(t))
    }
  } finally {
    await target.query('SET SESSION foreign_key_checks = ?', [Number(fk?.fk ?? 1)])
  }
  // Triggers and routines were reported with the first plan.
  await applySchema({ ...options.plan, notMigrated: [] }, target, options.log)
  store.saveDeferredIndexes(jobId, options.plan.deferredIndexes)
  store.saveSnapshotTables(
    jobId,
    tables.map((t) => ({
      table: qualified(t),
      fingerprint: options.snapshot.schema.get(tableKey(t)) ?? '',
      created: true,
    })),
  )
  options.log(
    'warning',
    `${names.join(', ')} changed on the source while the job was stopped: ${names.length === 1 ? 'its target table is' : 'their target tables are'} created again from the new schema and copied again from this snapshot${options.replicates ? '; replication skips their changes up to it, which the copy holds' : ''}.`,
    'LOAD_TABLE_RECOPIED',
  )
}
