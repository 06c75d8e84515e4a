/**
 * The snapshot stage: one consistent point of schema, data and binlog position. It takes the lock and opens the
 * readers' snapshot (snapshot.ts), reads the schema while the snapshot's fingerprint of it still holds (the plan to
 * create, the history seed, the copy's table shapes), and records the position. A DDL that waited for the lock runs
 * right after it is released: the snapshot is then taken again, up to three times.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { SnapshotTable } from '../../store/jobStore'
import { readForTarget } from '../dump/latin1Text'
import { inspectTables, type TableShape } from '../dump/tableInspector'
import type { JobStage, StageContext } from '../jobStage'
import { clearKeylessCheckpoint } from '../replicate/keylessCheckpoint'
import { readHistorySeed } from '../replicate/schemaTracker'
import { indexDeferral, planSchema, readTargetCapabilities, type SchemaPlan } from '../schema/schemaStage'
import { qualified, schemasOf, tableKey, type TableRef } from '../vocabulary/tableRef'
import { changedSince, openSnapshot, type Snapshot } from './snapshot'

/** What the snapshot stage hands the schema and existing stages. */
export interface SnapshotPoint {
  snapshot: Snapshot
  /** The schema to create on the target; null when the job resumes its copy (its tables exist). */
  plan: SchemaPlan | null
  /** Tables still being copied whose schema changed since the snapshot their rows came from (a DDL while stopped). */
  changed: TableRef[]
  /** Their definitions as this snapshot has them; null when none changed. */
  replan: SchemaPlan | null
  /** The copied tables' columns, key and sizes, as the snapshot's data has them. */
  shapes: TableShape[]
  /** What the store held for each table's earlier snapshot, read before this one was taken. */
  copied: Map<string, SnapshotTable>
}

/** Snapshots taken in a row, each followed by a DDL on its tables, before the job gives up. */
const maxSnapshotAttempts = 3

export const snapshotStage: JobStage = {
  name: 'snapshot',
  shows: 'schema',
  async run(ctx, signal) {
    const point = await takeSnapshot(ctx)
    return signal.aborted ? { status: 'paused' } : { status: 'done', point }
  },
}

async function takeSnapshot(ctx: StageContext): Promise<SnapshotPoint> {
  const { jobId, checkpoints, objects, log } = ctx
  const control = ctx.source.control
  const target = ctx.target.control
  const replicates = ctx.config.type !== 'existing'
  const resumingData = ctx.resume.stage === 'existing'
  const seedSchema = replicates && !checkpoints.replicationState(jobId, ctx.drawServerId).trackedSchema
  const caps = await readTargetCapabilities(target, ctx.target.info, { databases: schemasOf(objects.tables) })
  const deferIndexes = await indexDeferral(target, objects.tables, ctx.config.spec.deferIndexes, ctx.target.info.flavor)
  const readers = await Promise.all(Array.from({ length: ctx.concurrency() }, () => ctx.openSourceForRun()))
  const copied = new Map(checkpoints.listSnapshotTables(jobId).map((t) => [t.table, t]))
  const chunks = checkpoints.listChunks(jobId)
  const unfinished = new Set(chunks.filter((c) => c.state !== 'done').map((c) => c.table))
  const finished = new Set(chunks.filter((c) => !unfinished.has(c.table)).map((c) => c.table))
  const read = async (snapshot: Snapshot) => {
    // A table still being copied whose schema changed since the snapshot its rows came from (a DDL while the job
    // was stopped) is created and copied again from this snapshot.
    const changed = objects.tables.filter((t) => {
      const before = copied.get(qualified(t))
      return before && !finished.has(qualified(t)) && before.fingerprint !== snapshot.schema.get(tableKey(t))
    })
    return {
      snapshot,
      seed: seedSchema ? await readHistorySeed(control, objects.tables) : null,
      plan: resumingData ? null : await planSchema(control, caps, objects, { deferIndexes }),
      changed,
      replan:
        changed.length > 0 ? await planSchema(control, caps, { tables: changed, views: [] }, { deferIndexes }) : null,
      shapes: (await inspectTables(control, objects.tables))
        .filter((s) => s.kind === 'table')
        .map((s) => readForTarget(s, ctx.target.info.flavor === 'tidb')),
      copied,
    }
  }
  const open = () => openSnapshot({ locker: control, readers, info: ctx.source.info, tables: objects.tables })
  let point = await read(await open())
  for (let attempt = 1; ; attempt++) {
    const changed = await changedSince(point.snapshot, control, objects.tables)
    if (changed.length === 0) break
    const names = changed.map((t) => `${t.schema}.${t.name}`).join(', ')
    if (attempt === maxSnapshotAttempts) {
      throw new CutoverError({
        code: 'SNAPSHOT_SCHEMA_UNSTABLE',
        stage: 'existing',
        message: `The schema of ${names} changed right after each of ${attempt} snapshots (a DDL ran after the snapshot's lock was released), so no snapshot has one schema for its data.`,
        workaround:
          'Let the running schema changes (ALTER TABLE, an online schema change tool) finish, then resume the job.',
      })
    }
    log(
      'warning',
      `${names} changed by a DDL right after the snapshot (it waited for the snapshot's lock): the snapshot is taken again so that schema, data and binlog position are one point.`,
      'SNAPSHOT_SCHEMA_CHANGED',
    )
    point = await read(await open())
  }
  const { snapshot, seed } = point
  log(
    'info',
    `Consistent snapshot opened with ${snapshot.method === 'flush-tables' ? 'FLUSH TABLES WITH READ LOCK' : 'LOCK TABLES … READ (FTWRL not permitted)'}; writes were blocked for ${snapshot.lockHoldMs.toFixed(0)} ms.`,
    'SNAPSHOT_OPENED',
  )
  if (snapshot.position) {
    const first = checkpoints.getPosition(jobId, 'snapshot') === null
    // A job run over from the start (Restart) must not skip key-less changes its earlier run had applied.
    if (first && replicates) await clearKeylessCheckpoint(target, jobId)
    checkpoints.savePosition(jobId, first ? 'snapshot' : 'resume', snapshot.position)
    log(
      'info',
      `Snapshot binlog position ${snapshot.position.file}:${snapshot.position.position}${snapshot.position.gtidSet ? `, GTID ${snapshot.position.gtidSet}` : ''}.`,
    )
  }
  if (replicates) {
    if (!snapshot.position) {
      throw new CutoverError({
        code: 'REPLICATE_NO_BINLOG',
        stage: 'existing',
        message: 'The source has no binary log, so changes made during and after the copy cannot be replicated.',
        workaround:
          'Enable log_bin (binlog_format=ROW, binlog_row_image=FULL) on the source and restart it, or run an "existing" job.',
      })
    }
    // The schema history starts at the first snapshot, with the tables as that snapshot has them.
    if (seed) {
      checkpoints.saveAppliedCheckpoint(
        jobId,
        checkpoints.getPosition(jobId, 'snapshot') ?? snapshot.position,
        JSON.stringify(seed),
      )
    }
  }
  return { snapshot, plan: point.plan, changed: point.changed, replan: point.replan, shapes: point.shapes, copied }
}
