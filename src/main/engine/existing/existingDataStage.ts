/**
 * The existing-data stage: N workers, each a snapshot reader paired with a target writer, take chunks from one
 * queue (largest chunks first). A chunk is checkpointed as done only after the target committed all its rows;
 * a resumed job redoes exactly the chunks that are not done. Progress is emitted a few times a second.
 */
import type { ServerFlavor } from '../../../shared/domain/connectionTest'
import type { JobMode, JobSpec } from '../../../shared/domain/job'
import type { JobProgress, LogLevel, TablePhase, TableProgress } from '../../../shared/domain/events'
import { CutoverError } from '../../../shared/domain/errors'
import { markSide, sideOf, type SqlSession } from '../connect/session'
import type { CheckpointPort } from '../jobStage'
import type { RawRowHandler } from '../connect/rawQuery'
import { readChunk } from '../dump/chunkReader'
import { quoteTable } from '../vocabulary/identifierQuoting'
import { encodeKeyValues } from '../dump/keyBounds'
import { writeChunkLogical, writeChunkPhysical } from '../load/chunkWriter'
import { entryTooLargeErrno, entryTooLargeWorkaround, isEntryTooLarge } from '../load/entryTooLarge'
import { createLoadRouting } from '../load/loadRouting'
import { isTransient } from '../retryPolicy'
import type { Throttler } from '../throttle/throttler'
import type { PlannedChunk, PlannedTable } from './chunkPlan'
import { tableName } from './chunkPlan'
import { createEtaSmoother, type EtaSmoother } from './etaSmoother'

export interface ExistingDataContext {
  jobId: string
  store: CheckpointPort
  mode: JobMode
  tables: PlannedTable[]
  /** Binlog position of the snapshot the readers see, recorded with each done chunk (null: no binlog). */
  snapshot: { file: string; position: number } | null
  /** Snapshot sessions prepared for raw reads; one per worker at most. */
  readers: SqlSession[]
  /** Opens a target session prepared for loading. */
  openWriter(): Promise<SqlSession>
  maxAllowedPacket: number
  /** Read live: lowering it lets workers finish their chunk and stop; raising it is capped at readers.length. */
  concurrency(): number
  throttler: Throttler
  /** Indexes to build once a table's chunks are all in (deferredIndexes.ts), and where to mark them built. */
  deferredIndexes?: { table: string; statement: string }[]
  indexesBuilt?(table: string): void
  /** Run ANALYZE TABLE on each table once it is loaded (`analyzesCopiedTables`). */
  analyze: boolean
  /** Tables copied again from the start in this run (LOAD_TABLE_RECOPIED): 'restarted' until their copy is in. */
  recopied?: ReadonlySet<string>
  log(level: LogLevel, message: string, code?: string): void
  progress(progress: JobProgress): void
  /** Called when a chunk commits rows: the copy moves forward (ends a retry outage). */
  recovered?(): void
}

interface TableCounters {
  phase: TablePhase
  /** Rows and bytes committed: those of done chunks, then of this run's commits inside chunks not done yet. */
  rowsDone: number
  bytesDone: number
  /** Rows and bytes of done chunks only: what a resumed copy starts from. */
  rowsKept: number
  bytesKept: number
  chunksKept: number
  /** Sent to the target but not committed yet: shown as copied, dropped again if the chunk is redone. */
  rowsInFlight: number
  bytesInFlight: number
  rowsTotal: number | null
  /** Rows committed in the last sampling windows, for rows/s. */
  rate: number
  eta: EtaSmoother
  etaSeconds: number | null
}

/**
 * Errors of a source read whose table changed under the snapshot: ER_BAD_FIELD_ERROR (a column the snapshot's
 * schema has was dropped or renamed), ER_NO_SUCH_TABLE (the table was dropped or renamed), ER_TABLE_DEF_CHANGED
 * (MySQL: the table's definition is newer than the consistent snapshot).
 */
const schemaChangedErrnos = new Set([1054, 1146, 1412])

function stageError(error: unknown, table: string, chunk: PlannedChunk): CutoverError {
  if (error instanceof CutoverError) return error
  const e = error as { message?: string; code?: string; errno?: number; sqlMessage?: string }
  if (isEntryTooLarge(e)) {
    const text = e.sqlMessage ?? e.message ?? String(error)
    return new CutoverError({
      code: 'LOAD_ENTRY_TOO_LARGE',
      stage: 'existing',
      message: `Copying ${table} (chunk ${chunk.index}) failed: the target refused a row as too large: ${text} (error ${e.errno ?? entryTooLargeErrno}).`,
      workaround: entryTooLargeWorkaround(text),
    })
  }
  const side = sideOf(error)
  if (side === 'source' && e.errno !== undefined && schemaChangedErrnos.has(e.errno)) {
    // A DDL on the source after the snapshot (an ALTER that ran once the snapshot's lock was released, or during
    // the copy): the snapshot's reads no longer match the table. Taken again, the snapshot has the new schema, and
    // a table whose schema changed is created and copied again from it (the committed chunks of others are kept).
    return markSide(
      new CutoverError({
        code: 'LOAD_SOURCE_DDL_DURING_COPY',
        stage: 'existing',
        retryable: true,
        message: `${table} changed on the source while it was being copied (a DDL after the snapshot: ${e.sqlMessage ?? e.message ?? String(error)}): the snapshot is taken again and the table copied again from it.`,
        workaround:
          'Nothing to do: the job takes a new snapshot. If DDL keeps running on the table, let it finish first.',
      }),
      side,
    )
  }
  return markSide(
    new CutoverError({
      code: 'LOAD_CHUNK_FAILED',
      stage: 'existing',
      retryable: isTransient(error),
      message: `Copying ${table} (chunk ${chunk.index}) failed${side ? ` on the ${side}` : ''}: ${e.sqlMessage ?? e.message ?? String(error)}${e.errno ? ` (error ${e.errno})` : ''}.`,
      workaround:
        'Fix the cause named above and resume the job: chunks already committed are kept, this one is redone.',
    }),
    side,
  )
}

export async function runExistingData(ctx: ExistingDataContext, signal: AbortSignal): Promise<void> {
  const counters = new Map<string, TableCounters>()
  for (const t of ctx.tables) {
    const done = t.chunks.filter((c) => c.state === 'done')
    const name = tableName(t.shape)
    const rowsKept = done.reduce((n, c) => n + c.rows, 0)
    const bytesKept = done.reduce((n, c) => n + c.bytes, 0)
    counters.set(name, {
      phase:
        done.length === t.chunks.length
          ? 'done'
          : done.length > 0
            ? 'copying'
            : ctx.recopied?.has(name)
              ? 'restarted'
              : 'queued',
      rowsDone: rowsKept,
      bytesDone: bytesKept,
      rowsKept,
      bytesKept,
      chunksKept: done.length,
      rowsInFlight: 0,
      bytesInFlight: 0,
      rowsTotal: t.shape.rowEstimate || null,
      rate: 0,
      eta: createEtaSmoother(),
      etaSeconds: null,
    })
  }
  const overallEta = createEtaSmoother()
  // Longest first: a table without a key is one chunk of its whole size and cannot be split, so it starts
  // at once instead of running alone at the end; keyed tables' chunks fill the other workers around it.
  const chunkBytes = (t: PlannedTable) => t.shape.dataBytes / Math.max(1, t.chunks.length)
  const queue = [...ctx.tables]
    .sort((a, b) => chunkBytes(b) - chunkBytes(a) || b.shape.dataBytes - a.shape.dataBytes)
    .flatMap((t) => t.chunks.filter((c) => c.state !== 'done').map((chunk) => ({ table: t, chunk })))
  const total = queue.length
  const failure = new AbortController()
  const workerSignal = AbortSignal.any([signal, failure.signal])
  let firstError: unknown = null
  const fail = (error: unknown) => {
    firstError ??= error
    failure.abort(firstError)
  }
  // A table is finished (deferred indexes, then ANALYZE) as soon as its last chunk is in, while the other
  // tables still load; a table whose chunks were all done before (a resumed job) right away.
  let ended = false
  const setPhase = (table: string, phase: TablePhase) => {
    const c = counters.get(table)
    if (!c || c.phase === phase) return
    c.phase = phase
    // Shown at once (an index build may take less than a tick), once the code that changed it has run.
    queueMicrotask(() => {
      if (!ended) emit(false)
    })
  }
  const finisher = tableFinisher(ctx, workerSignal, fail, setPhase)
  const chunksLeft = new Map(ctx.tables.map((t) => [t, t.chunks.filter((c) => c.state !== 'done').length]))
  for (const [t, left] of chunksLeft) if (left === 0) finisher.add(t)

  // Progress: sampled every 250 ms, rates over a sliding 2 s window.
  let lastSample = performance.now()
  const lastRows = new Map<string, number>()
  let bytesSinceSample = 0
  let bytesPerSecond = 0
  let etaSeconds: number | null = null
  /** `sample` false: a phase changed between ticks; published at once, with the rates of the last tick. */
  const emit = (sample = true) => {
    const now = performance.now()
    const dt = Math.max(1, now - lastSample) / 1000
    if (sample) {
      lastSample = now
      bytesPerSecond = bytesPerSecond * 0.5 + (bytesSinceSample / dt) * 0.5
      bytesSinceSample = 0
    }
    const tables: TableProgress[] = []
    let rowsPerSecond = 0
    let copiedAll = 0
    let totalAll = 0
    for (const [table, c] of counters) {
      const copied = c.rowsDone + c.rowsInFlight
      if (sample) {
        const delta = Math.max(0, copied - (lastRows.get(table) ?? copied))
        lastRows.set(table, copied)
        c.rate = c.rate * 0.5 + (delta / dt) * 0.5
      }
      rowsPerSecond += c.rate
      // The row estimate is a guess: a table past its copy is complete whatever it said.
      const moving = c.phase === 'copying' || c.phase === 'restarted'
      const total = c.rowsTotal === null ? null : moving ? Math.max(c.rowsTotal, copied) : null
      const copying = moving || c.phase === 'queued'
      copiedAll += copied
      totalAll += copying ? Math.max(c.rowsTotal ?? 0, copied) : copied
      if (sample) c.etaSeconds = moving ? c.eta.update(now / 1000, copied, total) : null
      tables.push({
        table,
        phase: c.phase,
        rowsDone: copied,
        rowsTotal: copying ? c.rowsTotal : copied,
        bytesDone: c.bytesDone + c.bytesInFlight,
        rowsPerSecond: c.rate,
        etaSeconds: moving ? c.etaSeconds : null,
      })
    }
    if (sample) etaSeconds = overallEta.update(now / 1000, copiedAll, totalAll)
    ctx.progress({
      jobId: ctx.jobId,
      stage: 'existing',
      tables,
      rowsPerSecond,
      bytesPerSecond,
      lagSeconds: null,
      lagBytes: null,
      etaSeconds,
    })
  }
  // Kept ticking until the last table is finished: its index builds and ANALYZE are part of the stage.
  const ticker = setInterval(() => emit(), 250)
  const finish = async () => {
    try {
      // A build already running is waited for (it holds a session); the ones not started yet are not begun.
      await finisher.close()
    } finally {
      clearInterval(ticker)
      emit()
      ended = true
    }
  }
  if (total === 0) {
    await finish()
    if (firstError) throw firstError
    return
  }
  // Physical mode: tables whose values the target's LOAD DATA would change go through the logical writer.
  const routing = createLoadRouting(ctx.log)

  async function runChunk(
    reader: SqlSession,
    writer: SqlSession,
    table: PlannedTable,
    chunk: PlannedChunk,
  ): Promise<void> {
    const name = tableName(table.shape)
    const c = counters.get(name)!
    if (c.phase === 'queued') c.phase = 'copying'
    const checkpoint = (state: PlannedChunk['state'], rows: number, bytes: number) =>
      ctx.store.saveChunks(ctx.jobId, [
        {
          table: name,
          chunkIndex: chunk.index,
          lower: encodeKeyValues(chunk.lower),
          upper: encodeKeyValues(chunk.upper),
          state,
          rows,
          bytes,
          redo: chunk.redo,
          snapshot: state === 'done' ? ctx.snapshot : null,
        },
      ])
    if (chunk.state === 'started' && chunk.redo === 'truncate') {
      // A table without a key loads as one chunk; a half-loaded copy is removed before it is loaded again.
      await writer.runLong(`DELETE FROM ${quoteTable(table.shape.table)}`)
      ctx.log(
        'info',
        `${name} has no primary or unique key and was partly copied before the interruption; the target copy was emptied and is copied again.`,
      )
    } else if (chunk.state === 'started' && chunk.redo === 'append') {
      ctx.log(
        'warning',
        `${name} has no primary or unique key and was partly copied before the interruption; rows copied then may now be duplicated in the target.`,
        'LOAD_NO_KEY_REDO',
      )
    }
    // A fresh chunk goes in with plain inserts the first time only: once started, it is redone as a replace.
    const duplicates: 'error' | 'replace' = chunk.redo === 'fresh' && chunk.state === 'pending' ? 'error' : 'replace'
    if (!table.shape.key || chunk.redo === 'fresh') {
      checkpoint('started', 0, 0)
      chunk.state = 'started'
    }
    // Rows and bytes sent since the chunk's last commit.
    let sentRows = 0
    let sentBytes = 0
    // Rows of this chunk committed by this attempt.
    let committedRows = 0
    const dropInFlight = () => {
      c.rowsInFlight -= sentRows
      c.bytesInFlight -= sentBytes
      sentRows = 0
      sentBytes = 0
    }
    const options = {
      table: table.shape.table,
      chunk: chunk.index,
      columns: table.shape.columns,
      read: (onRow: RawRowHandler) =>
        readChunk(reader, table.shape.table, table.shape.columns, table.shape.key, chunk, onRow),
      throttler: ctx.throttler,
      signal: workerSignal,
      duplicates,
      onWritten: (r: number, b: number) => {
        sentRows += r
        sentBytes += b
        c.rowsInFlight += r
        c.bytesInFlight += b
        bytesSinceSample += b
      },
      onCommitted: (r: number, b: number) => {
        dropInFlight()
        committedRows += r
        c.rowsDone += r
        c.bytesDone += b
        ctx.recovered?.()
      },
    }
    try {
      const result =
        ctx.mode === 'physical'
          ? await writeChunkPhysical(writer, { ...options, maxAllowedPacket: ctx.maxAllowedPacket, routing })
          : await writeChunkLogical(writer, { ...options, maxAllowedPacket: ctx.maxAllowedPacket })
      if (workerSignal.aborted) return
      checkpoint('done', result.rows, result.bytes)
      c.rowsKept += result.rows
      c.bytesKept += result.bytes
      c.chunksKept++
      ctx.recovered?.()
      const left = chunksLeft.get(table)! - 1
      chunksLeft.set(table, left)
      if (left === 0) finisher.add(table)
    } catch (error) {
      // Nothing of a fresh chunk stopped by a duplicate key was kept: it stays fresh, so that a resume meets the
      // duplicate again instead of a REPLACE keeping one of the two rows.
      if (duplicates === 'error' && committedRows === 0 && (error as CutoverError).code === 'LOAD_DUPLICATE_KEY') {
        checkpoint('pending', 0, 0)
        chunk.state = 'pending'
      }
      throw error
    } finally {
      dropInFlight()
    }
  }

  /**
   * A copy that stops before its last chunk (a pause, a failure) keeps only its done chunks: a resumed run redoes the
   * others from their start. Their rows were shown as copied, so the count goes back to the kept rows, and the log
   * says so for each table whose count drops.
   */
  function giveUpUnfinishedChunks(): void {
    for (const [t, left] of chunksLeft) {
      if (left === 0) continue
      const name = tableName(t.shape)
      const c = counters.get(name)!
      const shown = lastRows.get(name) ?? c.rowsKept
      c.rowsDone = c.rowsKept
      c.bytesDone = c.bytesKept
      if (shown <= c.rowsKept) continue
      ctx.log(
        'info',
        `${name}: ${shown - c.rowsKept} rows of chunks the copy stopped in are copied again when the job resumes; its progress goes back to the ${c.rowsKept} rows of its ${c.chunksKept} committed ${c.chunksKept === 1 ? 'chunk' : 'chunks'}.`,
        'LOAD_CHUNKS_REDONE',
      )
    }
  }

  async function worker(index: number): Promise<void> {
    const reader = ctx.readers[index]!
    let writer: SqlSession | null = null
    try {
      while (!workerSignal.aborted && index < Math.min(ctx.concurrency(), ctx.readers.length)) {
        const next = queue.shift()
        if (!next) return
        try {
          writer ??= await ctx.openWriter()
          await runChunk(reader, writer, next.table, next.chunk)
        } catch (error) {
          if (workerSignal.aborted && !firstError) return
          fail(stageError(error, tableName(next.table.shape), next.chunk))
          return
        }
      }
    } finally {
      await writer?.close()
    }
  }

  try {
    await Promise.all(ctx.readers.map((_, i) => worker(i)))
  } finally {
    giveUpUnfinishedChunks()
    await finish()
  }
  if (firstError) throw firstError
  // Aborted, or every worker stopped because concurrency was lowered to 0 (a pause): nothing more to do.
}

/**
 * Finishes loaded tables one at a time on a session of its own: the deferred index builds of the
 * table, then ANALYZE TABLE. `add` queues a table; `close` waits for the queue (not starting anything once
 * `signal` is aborted) and closes the session. A failure goes to `onError`.
 */
function tableFinisher(
  ctx: ExistingDataContext,
  signal: AbortSignal,
  onError: (error: unknown) => void,
  setPhase: (table: string, phase: TablePhase) => void,
) {
  let writer: Promise<SqlSession> | null = null
  let chain: Promise<void> = Promise.resolve()
  return {
    add(table: PlannedTable): void {
      const name = tableName(table.shape)
      const indexes = (ctx.deferredIndexes ?? []).some((x) => x.table === name)
      // Queued for its finishing steps: shown in the first one it waits for.
      setPhase(name, indexes ? 'indexing' : ctx.analyze ? 'analyzing' : 'done')
      chain = chain
        .then(async () => {
          if (signal.aborted) return
          writer ??= ctx.openWriter()
          await finishTable(ctx, await writer, table, setPhase)
        })
        .catch(onError)
    },
    async close(): Promise<void> {
      await chain
      if (writer) await (await writer.catch(() => null))?.close()
    },
  }
}

/**
 * Whether the copied tables get an ANALYZE TABLE from the job, and why not when they do not: the spec's
 * `analyze`, where 'auto' leaves it to a TiDB target whose auto-analyze is on (it analyzes tables with new rows in
 * the background; measured on the benchmark's 2 M rows, the job's own ANALYZE took 4-44 s per table of TiDB time).
 */
export async function analyzesCopiedTables(
  target: SqlSession,
  setting: JobSpec['analyze'] | undefined,
  flavor: ServerFlavor,
): Promise<{ analyze: boolean; skipped: string | null }> {
  if (setting === true || (setting !== false && flavor !== 'tidb')) return { analyze: true, skipped: null }
  if (setting === false) return { analyze: false, skipped: 'the job spec sets analyze: false' }
  const [row] = await target.query<{ v: string | number }>('SELECT @@GLOBAL.tidb_enable_auto_analyze AS v')
  const on = ['1', 'on'].includes(String(row?.v ?? '').toLowerCase())
  return on
    ? {
        analyze: false,
        skipped: "TiDB's auto-analyze (tidb_enable_auto_analyze) is on and collects their statistics in the background",
      }
    : { analyze: true, skipped: null }
}

/** The deferred index builds of one loaded table (deferredIndexes.ts), then ANALYZE TABLE. */
async function finishTable(
  ctx: ExistingDataContext,
  writer: SqlSession,
  table: PlannedTable,
  setPhase: (table: string, phase: TablePhase) => void,
): Promise<void> {
  const name = tableName(table.shape)
  for (const d of (ctx.deferredIndexes ?? []).filter((x) => x.table === name)) {
    setPhase(name, 'indexing')
    const started = performance.now()
    try {
      await writer.runLong(d.statement)
    } catch (error) {
      // A lost connection is retried with the job (retryPolicy.ts); the build runs again then.
      if (isTransient(error)) throw error
      // 1061: a duplicate key name — built by an earlier run that stopped before recording it.
      if ((error as { errno?: number }).errno !== 1061) {
        throw new CutoverError({
          code: 'LOAD_INDEX_BUILD_FAILED',
          stage: 'existing',
          message: `Building the secondary indexes of ${d.table} after its data failed: ${(error as Error).message}. Statement: ${d.statement}`,
          workaround:
            'Fix the cause (disk space, lock wait timeout, a target limit) and resume the job; the build runs again, the data is kept.',
        })
      }
    }
    ctx.indexesBuilt?.(d.table)
    ctx.log(
      'info',
      `Built the secondary indexes of ${d.table} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      'LOAD_INDEXES_BUILT',
    )
  }
  if (ctx.analyze) {
    setPhase(name, 'analyzing')
    const started = performance.now()
    await writer.runLong(`ANALYZE TABLE ${quoteTable(table.shape.table)}`)
    ctx.log(
      'info',
      `Analyzed ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      'LOAD_TABLE_ANALYZED',
    )
  }
  setPhase(name, 'done')
}
