/**
 * The incremental stage as the runner runs it: from the snapshot (a both job) or the configured start (an
 * incremental job, whose schema history is seeded here), replays the binlog (incrementalStage.ts) until the job is
 * paused, in safe mode where a replay may meet changes already applied.
 */
import type { BinlogPosition } from '../../../shared/domain/position'
import type { JobStage } from '../jobStage'
import { readDefaultCollations } from '../schema/collationMapping'
import { readTargetCapabilities } from '../schema/schemaStage'
import { schemasOf } from '../vocabulary/tableRef'
import { copiedPositions } from './copiedTables'
import { identifiesRows, readHistorySeed, type TrackedTable } from './schemaTracker'
import { requireTargetTables, resolveStart } from './startPosition'

export const incrementalStage: JobStage = {
  name: 'incremental',
  shows: 'incremental',
  async run(ctx, signal) {
    const { jobId, checkpoints, config, log, objects, safeMode } = ctx
    const control = ctx.source.control
    const target = ctx.target.control
    if (config.type === 'incremental') {
      await requireTargetTables(target, objects.tables)
      const state = checkpoints.replicationState(jobId, ctx.drawServerId)
      if (!state.trackedSchema) {
        const start = await resolveStart(control, ctx.source.info, config.start)
        checkpoints.savePosition(jobId, 'snapshot', start)
        checkpoints.saveAppliedCheckpoint(jobId, start, JSON.stringify(await readHistorySeed(control, objects.tables)))
      }
    }
    if (ctx.resume.endedAbruptly) safeMode.enableFor(60_000, 'the previous run stopped abruptly')
    const resume = checkpoints.getPosition(jobId, 'resume')
    if (resume) safeMode.enableUntil(resume, 'the existing data was copied from more than one snapshot')
    const caps = await readTargetCapabilities(target, ctx.target.info, { databases: schemasOf(objects.tables) })
    const [packetRow] = await target.query<{ p: string | number }>('SELECT @@max_allowed_packet AS p')
    const start: BinlogPosition | null = checkpoints.getPosition(jobId, 'snapshot')
    if (!start) throw new Error('the incremental stage has no start position')
    const state = checkpoints.replicationState(jobId, ctx.drawServerId)
    const copiedAt = copiedPositions(checkpoints.listChunks(jobId), start)
    for (const [table, at] of copiedAt)
      log(
        'info',
        `${table} was copied from a later snapshot (${at.file}:${at.position}): its changes before that point are in the copy and are not applied again.`,
      )
    for (const t of JSON.parse(state.trackedSchema ?? '[]') as TrackedTable[]) {
      if (!identifiesRows(t)) {
        log(
          'warning',
          `${t.ref.schema}.${t.ref.name} has no primary key or NOT NULL unique key: a replay after an interruption (safe mode) cannot be idempotent for it, so the transactions changing it are applied in binlog order by one writer, each with its position recorded in \`cutover_meta\`.\`keyless_applied\` on the target; a transaction committed in parts (over the target transaction cap, REPLICATE_TXN_SPLIT) or first changing it after its first 2,000 row changes may still have them applied twice after a kill.`,
          'REPLICATE_NO_KEY',
        )
      }
    }
    let announced = false
    // Loaded here: the binlog client is not needed (nor loaded) by existing-data-only runs and prechecks.
    const { runIncremental } = await import('./incrementalStage')
    await runIncremental(
      {
        jobId,
        store: checkpoints,
        objects: config.objects,
        sourceRoute: ctx.source.route,
        openSource: ctx.openSource,
        openWriter: ctx.openWriter,
        openTargetControl: ctx.openWriter,
        target: caps,
        maxAllowedPacket: Number(packetRow?.p ?? 16 * 1024 * 1024),
        serverId: state.serverId,
        safeMode,
        start,
        copiedAt,
        concurrency: ctx.concurrency,
        log,
        progress: (progress) => ctx.events.emit('job:progress', progress),
        caughtUp: () => {
          if (announced) return
          announced = true
          log('info', 'Caught up: the target has every change in the source binlog (lag 0).', 'REPLICATE_CAUGHT_UP')
          ctx.events.emit('job:caughtUp', { jobId, at: new Date().toISOString() })
        },
        heartbeatSeconds: ctx.heartbeatSeconds,
        txnCapBytes: ctx.txnCapBytes,
        sourceCollations: await readDefaultCollations(control),
        recovered: ctx.recovered,
        continuousValidation: config.spec.continuousValidation
          ? {
              delayMs: ctx.validationDelayMs,
              onStatus: (status) => ctx.events.emit('validation:continuous', status),
            }
          : undefined,
      },
      signal,
    )
    return { status: 'paused' }
  },
}
