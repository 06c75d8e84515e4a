/**
 * The existing stage as the runner runs it: warns about tables without a row identity, plans the chunks (stored
 * just before the first one starts), then runs the copy's workers (existingDataStage.ts) over the snapshot's
 * readers. Done once every chunk is; the snapshot's readers are closed then.
 */
import { CutoverError } from '../../../shared/domain/errors'
import { prepareRawReads } from '../dump/chunkReader'
import type { JobStage } from '../jobStage'
import { quoteTable } from '../vocabulary/identifierQuoting'
import { loadOrPlan } from './chunkPlan'
import { analyzesCopiedTables, runExistingData } from './existingDataStage'
import { qualified } from '../vocabulary/tableRef'

export const existingStage: JobStage = {
  name: 'existing',
  shows: 'existing',
  async run(ctx, signal) {
    const { jobId, checkpoints, config, log } = ctx
    const point = ctx.point
    if (!point) throw new Error('the existing stage runs after the snapshot stage')
    const target = ctx.target.control
    const { snapshot, shapes } = point
    for (const s of shapes.filter((t) => !t.key)) {
      log(
        'warning',
        `${s.table.schema}.${s.table.name} has no primary key or NOT NULL unique key: it is read as one stream, and replaying it after an interruption may duplicate rows.`,
        'DUMP_NO_KEY',
      )
    }
    // The chunk plan is stored just before the first chunk starts. A resumed job's tables may hold rows even
    // when no chunk is done: a LOAD DATA stopped by a pause keeps (commits) the rows it had read.
    const hasStartedBefore = checkpoints.listChunks(jobId).length > 0
    if (config.mode === 'physical' && !hasStartedBefore) {
      const busy: string[] = []
      for (const s of shapes) {
        const rows = await target.query(`SELECT 1 FROM ${quoteTable(s.table)} LIMIT 1`)
        if (rows.length > 0) busy.push(`${s.table.schema}.${s.table.name}`)
      }
      if (busy.length > 0) {
        throw new CutoverError({
          code: 'LOAD_TARGET_NOT_EMPTY',
          stage: 'existing',
          message: `Physical mode loads into empty tables only, and these target tables have rows: ${busy.slice(0, 10).join(', ')}${busy.length > 10 ? ` and ${busy.length - 10} more` : ''}.`,
          workaround:
            'Empty those tables on the target (TRUNCATE TABLE …), or use logical mode, which replaces duplicate keys.',
        })
      }
    }
    const tables = await loadOrPlan(
      checkpoints,
      jobId,
      ctx.source.control,
      shapes,
      ctx.targetChunkBytes,
      async (shape) => (await target.query(`SELECT 1 FROM ${quoteTable(shape.table)} LIMIT 1`)).length === 0,
    )
    for (const reader of snapshot.sessions) await prepareRawReads(reader)
    const [packet] = await target.query<{ p: string | number }>('SELECT @@max_allowed_packet AS p')
    const statistics = await analyzesCopiedTables(target, config.spec.analyze, ctx.target.info.flavor)
    if (statistics.skipped)
      log('info', `The copied tables are not analyzed by the job: ${statistics.skipped}.`, 'LOAD_ANALYZE_SKIPPED')
    await runExistingData(
      {
        jobId,
        store: checkpoints,
        mode: config.mode,
        tables,
        snapshot: snapshot.position?.file
          ? { file: snapshot.position.file, position: snapshot.position.position }
          : null,
        readers: snapshot.sessions,
        openWriter: ctx.openWriter,
        maxAllowedPacket: Number(packet?.p ?? 16 * 1024 * 1024),
        concurrency: ctx.concurrency,
        throttler: ctx.throttler,
        deferredIndexes: checkpoints.listDeferredIndexes(jobId),
        indexesBuilt: (table) => checkpoints.deferredIndexesBuilt(jobId, table),
        analyze: statistics.analyze,
        recopied: new Set(point.replan ? point.changed.map(qualified) : []),
        log,
        progress: (progress) => ctx.events.emit('job:progress', progress),
        recovered: ctx.recovered,
      },
      signal,
    )
    if (signal.aborted) return { status: 'paused' }
    const chunks = checkpoints.listChunks(jobId)
    if (chunks.some((c) => c.state !== 'done')) return { status: 'paused' }
    const totals = chunks.reduce((n, c) => n + c.rows, 0)
    log('info', `Existing data copied: ${totals} rows in ${shapes.length} tables.`, 'LOAD_DONE')
    for (const reader of snapshot.sessions) await reader.close().catch(() => undefined)
    return { status: 'done' }
  },
}
