/**
 * The schema stage: creates the snapshot's schema on the target (schemaStage.ts), recording first the indexes a
 * physical copy builds after the data and then which tables the job created, and creates again the tables still
 * being copied whose schema changed while the job was stopped (changedTables.ts).
 */
import { recreateChangedTables } from '../existing/changedTables'
import type { JobStage } from '../jobStage'
import { qualified, tableKey } from '../vocabulary/tableRef'
import { applySchema } from './schemaStage'

export const schemaStage: JobStage = {
  name: 'schema',
  shows: 'schema',
  async run(ctx, signal) {
    const { jobId, checkpoints, log } = ctx
    const point = ctx.point
    if (!point) throw new Error('the schema stage runs after the snapshot stage')
    const target = ctx.target.control
    if (point.plan) {
      const plan = point.plan
      // Recorded first: a job stopped after its tables exist still builds their indexes when it resumes.
      checkpoints.saveDeferredIndexes(jobId, plan.deferredIndexes)
      const { created } = await applySchema(plan, target, log)
      checkpoints.saveSnapshotTables(
        jobId,
        ctx.objects.tables.map((t) => ({
          table: qualified(t),
          fingerprint: point.snapshot.schema.get(tableKey(t)) ?? '',
          created: created.includes(qualified(t)),
        })),
      )
      ctx.recovered()
      log(
        'info',
        `Schema created: ${plan.statements.filter((s) => s.kind === 'table').length} tables, ${plan.statements.filter((s) => s.kind === 'view').length} views, ${plan.rewrites.length} rewrites.`,
        'SCHEMA_CREATED',
      )
    }
    if (point.replan) {
      await recreateChangedTables({
        jobId,
        store: checkpoints,
        target,
        tables: point.changed,
        plan: point.replan,
        snapshot: point.snapshot,
        copied: point.copied,
        replicates: ctx.config.type !== 'existing',
        log,
      })
    }
    return signal.aborted ? { status: 'paused' } : { status: 'done' }
  },
}
