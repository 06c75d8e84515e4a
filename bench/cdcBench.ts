/**
 * `npm run bench:cdc [-- --target mariadb|tidb]`: Cutover's incremental apply against what the target itself
 * can do with the same changes.
 *
 * One local MariaDB source (ROW / FULL image, MariaDB's default binlog_row_metadata=NO_LOG, or FULL with
 * CDC_ROW_METADATA=FULL) gets a deterministic workload: small transactions of inserts, updates and deletes, with
 * one ALTER TABLE … ADD COLUMN … AFTER in the middle. Then:
 * - `--target mariadb` (default): three appliers read that same binlog from the same position: Cutover (a `both`
 *   job into its own target), a MariaDB replica with one SQL thread, and a replica with 4 parallel workers
 *   (optimistic mode).
 * - `--target tidb`: Cutover applies it into a fresh tidb-server, and the workload's own statements, as the writer
 *   sent them, are replayed into a second fresh tidb-server by a plain client with the writer's 4 connections,
 *   each transaction whole: TiDB's write limit for this workload.
 * 1. Apply rate: the workload is written first, then each applier is started and timed until caught up.
 * 2. Lag at a fixed offered load (half of Cutover's measured maximum): the writer is paced for a while and the
 *    lag of each replicating applier is sampled (now − the last applied heartbeat row's source time): p50 / p99.
 * Every applier must end with the source's rows: CHECKSUM TABLE on MariaDB, the row-by-row referee
 * (tests/harness/tableComparison.ts) on TiDB.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { Connection } from 'mysql2/promise'
import { jobConfigSchema } from '../src/shared/domain/job'
import { createEngineEvents } from '../src/main/engine/engineEvents'
import { startJob, type RunningJob } from '../src/main/engine/jobRunner'
import type { EventPayload } from '../src/shared/ipc/contract'
import { openJobStore } from '../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../tests/harness/mariadb'
import { compareTable } from '../tests/harness/tableComparison'
import { cpuSeconds } from './processPeak'
import { startTarget, targetKindArg, type BenchServer } from './targetServer'

const totalChanges = Number(process.env.CDC_ROWS ?? 200_000)
const changesPerTxn = 5
const lagSeconds = Number(process.env.CDC_LAG_SECONDS ?? 15)
const writers = 4
const db = 'cdcbench'

interface Connectable {
  connect(): Promise<Connection>
}

function lcg(seed: number) {
  let x = seed
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x % n
  }
}

async function endPosition(source: Connection): Promise<{ file: string; position: number }> {
  const [[row]] = (await source.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]]
  return { file: row!.File, position: Number(row!.Position) }
}

/**
 * Writes `changes` row changes in small transactions over 4 connections; `paceRowsPerSecond` throttles them.
 * `record` receives each connection's statements as sent, for a replay.
 */
async function writeWorkload(
  source: Connectable,
  changes: number,
  seed: number,
  paceRowsPerSecond = 0,
  alterAt = -1,
  record?: string[][],
): Promise<number> {
  const conns = await Promise.all(Array.from({ length: writers }, () => source.connect()))
  let written = 0
  let altered = alterAt < 0
  const started = performance.now()
  await Promise.all(
    conns.map(async (c, w) => {
      const sent: string[] | null = record ? [] : null
      if (record && sent) record[w] = sent
      const query = (sql: string, values?: unknown[]) => {
        sent?.push(values ? c.format(sql, values) : sql)
        return c.query(sql, values)
      }
      const rand = lcg(seed * 31 + w)
      let nextId = w * 10_000_000 + seed * 1_000_000
      const live: number[] = []
      while (written < changes) {
        if (!altered && written >= alterAt && w === 0) {
          altered = true
          await query(`ALTER TABLE ${db}.items ADD COLUMN e INT NOT NULL DEFAULT 7 AFTER a`)
        }
        await query('START TRANSACTION')
        for (let k = 0; k < changesPerTxn - 1; k++) {
          const r = rand(10)
          if (r < 5 || live.length < 20) {
            const id = nextId++
            live.push(id)
            await query(`INSERT INTO ${db}.items (id, a, b, c, d) VALUES (?, ?, ?, NOW(6), ?)`, [
              id,
              rand(1000),
              `payload-${id}-${'x'.repeat(rand(40))}`,
              `${rand(100000)}.${rand(100)}`,
            ])
          } else if (r < 8) {
            await query(`UPDATE ${db}.items SET a = a + 1, b = ? WHERE id = ?`, [
              `upd-${rand(1e6)}`,
              live[rand(live.length)],
            ])
          } else {
            const at = rand(live.length)
            await query(`DELETE FROM ${db}.items WHERE id = ?`, [live[at]])
            live.splice(at, 1)
          }
        }
        // The heartbeat row: its source time, read on each target, measures lag.
        await query(`UPDATE ${db}.tick SET t = NOW(6) WHERE id = ?`, [w])
        await query('COMMIT')
        written += changesPerTxn
        if (paceRowsPerSecond > 0) {
          const due = (written / paceRowsPerSecond) * 1000 - (performance.now() - started)
          if (due > 0) await new Promise((r) => setTimeout(r, due))
        }
      }
    }),
  )
  await Promise.all(conns.map((c) => c.end()))
  return written
}

/** The recorded statements, each connection's in its order, on as many connections as the writer had. */
async function replayWorkload(target: Connectable, recorded: string[][]): Promise<void> {
  const conns = await Promise.all(recorded.map(() => target.connect()))
  await Promise.all(
    conns.map(async (c, w) => {
      for (const sql of recorded[w]!) await c.query(sql)
    }),
  )
  await Promise.all(conns.map((c) => c.end()))
}

async function replicaCaughtUp(replica: Connection, end: { file: string; position: number }): Promise<boolean> {
  const [[s]] = (await replica.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]]
  if (!s) return false
  if (s['Last_SQL_Error']) throw new Error(`replica SQL error: ${String(s['Last_SQL_Error'])}`)
  return s['Relay_Master_Log_File'] === end.file && Number(s['Exec_Master_Log_Pos']) >= end.position
}

/** Seconds behind: now − the newest heartbeat applied, counted from no earlier than the workload's start. */
async function lagOf(c: Connection, since: string): Promise<number> {
  const [[row]] = (await c.query(
    `SELECT TIMESTAMPDIFF(MICROSECOND, GREATEST(MAX(t), ?), NOW(6)) AS us FROM ${db}.tick`,
    [since],
  )) as unknown as [{ us: string | number | null }[]]
  return Math.max(0, Number(row?.us ?? 0) / 1e6)
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}

/** `items` on two servers row by row; `columns` limits it to those (through a view of the same name on both). */
async function refereeItems(a: Connection, b: Connection, who: string, columns?: string[]): Promise<void> {
  const scratch = `${db}_referee`
  if (columns) {
    for (const c of [a, b]) {
      await c.query(`CREATE DATABASE IF NOT EXISTS ${scratch}`)
      await c.query(`CREATE OR REPLACE VIEW ${scratch}.items AS SELECT ${columns.join(', ')} FROM ${db}.items`)
    }
  }
  try {
    const d = await compareTable(a, b, columns ? scratch : db, 'items')
    if (d.firstDifference !== null || d.sourceRows !== d.targetRows || d.sourceChecksum !== d.targetChecksum)
      throw new Error(
        `${who} differs from the source: ${d.sourceRows} source rows, ${d.targetRows} rows; ${d.firstDifference}`,
      )
    console.log(
      `${who}: ${db}.items equal to the source row by row${columns ? ` on ${columns.join(', ')}` : ''} (${d.sourceRows} rows).`,
    )
  } finally {
    if (columns) for (const c of [a, b]) await c.query(`DROP DATABASE IF EXISTS ${scratch}`)
  }
}

async function main(): Promise<void> {
  const kind = targetKindArg()
  const tidb = kind === 'tidb'
  const rowMetadata = process.env.CDC_ROW_METADATA === 'FULL' ? 'FULL' : 'NO_LOG'
  console.log(
    `Starting servers (source with binlog_row_metadata=${rowMetadata}, ${tidb ? 'a TiDB target for Cutover and one for the direct replay' : 'Cutover target, 2 replicas'})…`,
  )
  const binlog = { format: 'ROW', rowImage: 'FULL', rowMetadata } as const
  const [source, target, single, parallel, replay] = await Promise.all([
    startMariaDb({ name: 'bench-source', binlog }),
    startTarget(kind, { name: 'bench-target' }),
    tidb ? null : startMariaDb({ name: 'bench-replica-1', extraArgs: ['--slave-parallel-threads=0'] }),
    tidb
      ? null
      : startMariaDb({
          name: 'bench-replica-4',
          extraArgs: ['--slave-parallel-threads=4', '--slave-parallel-mode=optimistic'],
        }),
    tidb ? startTarget('tidb', { name: 'bench-replay' }) : null,
  ])
  const servers: { stop(): Promise<void> }[] = [source, target, single, parallel, replay].filter((s) => s !== null)
  let run: RunningJob | null = null
  try {
    const ddl = [
      `CREATE DATABASE ${db}`,
      `CREATE TABLE ${db}.items (id BIGINT PRIMARY KEY, a INT NOT NULL, b VARCHAR(120), c DATETIME(6), d DECIMAL(12,2)) DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE ${db}.tick (id INT PRIMARY KEY, t DATETIME(6) NOT NULL)`,
      `INSERT INTO ${db}.tick VALUES (0, NOW(6)), (1, NOW(6)), (2, NOW(6)), (3, NOW(6))`,
    ]
    for (const s of ddl) await source.query(s)
    const start = await endPosition(await source.connect())

    // Replicas: same schema and rows, then replicate from `start`.
    const replicas = {
      single: single ? await single.connect() : null,
      parallel: parallel ? await parallel.connect() : null,
    }
    for (const r of Object.values(replicas)) {
      if (!r) continue
      for (const s of ddl) await r.query(s)
      await r.query(`UPDATE ${db}.tick t SET t.t = (SELECT 1)`).catch(() => undefined)
      await r.query(
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${source.port}, MASTER_USER='${source.user}', MASTER_PASSWORD='${source.password}', MASTER_LOG_FILE='${start.file}', MASTER_LOG_POS=${start.position}, MASTER_USE_GTID=no`,
      )
    }
    // The direct replay's server: the same schema and rows the workload starts from.
    const replayConnection = replay ? await replay.connect() : null
    for (const s of replayConnection ? ddl : []) await replayConnection!.query(s)

    // Cutover: a `both` job (copies the 4 tick rows), caught up at `start`, then paused.
    const store = openJobStore(':memory:')
    const connection = (s: MariaDbServer | BenchServer) => ({
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
    })
    const config = jobConfigSchema.parse({
      name: 'bench',
      source: connection(source),
      target: connection(target),
      type: 'both',
      objects: [db],
      // CDC_CONTINUOUS_VALIDATION=1: every applied row is compared again in the background (its cost on apply and lag).
      spec: { concurrency: 4, exportMBps: 0, continuousValidation: process.env.CDC_CONTINUOUS_VALIDATION === '1' },
    })
    const job = store.createJob(config)
    let caughtUpAt = 0
    const events = createEngineEvents()
    events.subscribe((channel, payload) => {
      if (channel === 'job:log' && process.env.CDC_DEBUG) {
        const { message } = payload as EventPayload<'job:log'>
        console.log(`${(performance.now() / 1000).toFixed(3)} ${message}`)
      }
      if (channel === 'job:caughtUp') {
        caughtUpAt = performance.now()
        if (process.env.CDC_DEBUG) console.log(`${(caughtUpAt / 1000).toFixed(3)} caught up`)
      }
    })
    const hooks = { store, events }
    const waitFor = async (done: () => boolean | Promise<boolean>, what: string, timeoutMs = 600_000) => {
      const deadline = Date.now() + timeoutMs
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        // A job that stopped on an error will never catch up: say why at once.
        const failed = store.getJob(job.id)
        if (failed?.status === 'failed') throw new Error(`the Cutover job failed: ${failed.lastError?.message}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    run = startJob(job, config, hooks, { heartbeatSeconds: 0.2 })
    await waitFor(() => caughtUpAt > 0, 'Cutover to reach the start')
    run.pause()
    await run.done

    console.log(`Writing ${totalChanges} row changes (${changesPerTxn} per transaction, one ALTER … AFTER mid-stream)…`)
    const recorded: string[][] = []
    const written = await writeWorkload(
      source,
      totalChanges,
      1,
      0,
      Math.floor(totalChanges / 2),
      tidb ? recorded : undefined,
    )
    const end = await endPosition(await source.connect())
    const rows: { name: string; seconds: number }[] = []

    caughtUpAt = 0
    // CDC_PROFILE=file.cpuprofile: a CPU profile of Cutover's catch-up alone (open it in Chrome DevTools).
    const profiler = process.env.CDC_PROFILE ? new Session() : null
    if (profiler) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const cpuOf = cpuSeconds
    const seconds = (s: number) => `${s.toFixed(2)} s`
    const cpu0 = { node: process.cpuUsage(), source: cpuOf(source.pid), target: cpuOf(target.pid) }
    let t0 = performance.now()
    if (process.env.CDC_DEBUG) console.log(`${(t0 / 1000).toFixed(3)} start`)
    run = startJob(store.getJob(job.id)!, config, hooks, { heartbeatSeconds: 0.2 })
    await waitFor(() => caughtUpAt > 0, 'Cutover to catch up')
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(process.env.CDC_PROFILE!, JSON.stringify(profile))
      profiler.disconnect()
    }
    rows.push({ name: 'Cutover (4 workers)', seconds: (caughtUpAt - t0) / 1000 })
    const nodeCpu = process.cpuUsage(cpu0.node)
    console.log(
      `CPU during Cutover's catch-up: node ${seconds((nodeCpu.user + nodeCpu.system) / 1e6)}, source mysqld ${seconds(cpuOf(source.pid) - cpu0.source)}, target ${seconds(cpuOf(target.pid) - cpu0.target)}`,
    )
    // Checked before anything else runs: equal now means Cutover had applied everything when it said so.
    const sourceConnection = await source.connect()
    const targetConnection = await target.connect()
    if (tidb) await refereeItems(sourceConnection, targetConnection, "Cutover's target")
    if (replay) {
      const replayCpu0 = { node: process.cpuUsage(), target: cpuOf(replay.pid) }
      t0 = performance.now()
      await replayWorkload(replay, recorded)
      rows.push({ name: `Direct replay on TiDB (${writers} connections)`, seconds: (performance.now() - t0) / 1000 })
      const clientCpu = process.cpuUsage(replayCpu0.node)
      console.log(
        `CPU during the direct replay: client (node) ${seconds((clientCpu.user + clientCpu.system) / 1e6)}, target ${seconds(cpuOf(replay.pid) - replayCpu0.target)}`,
      )
    }
    for (const [name, r] of [
      ['MariaDB replica, 1 SQL thread', replicas.single],
      ['MariaDB replica, 4 parallel (optimistic)', replicas.parallel],
    ] as const) {
      if (!r) continue
      t0 = performance.now()
      await r.query('START SLAVE')
      await waitFor(() => replicaCaughtUp(r, end), name)
      rows.push({ name, seconds: (performance.now() - t0) / 1000 })
    }
    // Every applier must end where the source is.
    if (tidb) {
      // The replay ran the same statements later: only the NOW(6) column differs.
      await refereeItems(sourceConnection, replayConnection!, 'The direct replay', ['id', 'a', 'b', 'd', 'e'])
    } else {
      const checksum = async (c: Connection) => {
        const [[row]] = (await c.query(`CHECKSUM TABLE ${db}.items`)) as unknown as [{ Checksum: string | number }[]]
        return String(row!.Checksum)
      }
      const sourceSum = await checksum(sourceConnection)
      const sums = {
        Cutover: await checksum(targetConnection),
        single: await checksum(replicas.single!),
        parallel: await checksum(replicas.parallel!),
      }
      for (const [name, sum] of Object.entries(sums)) {
        if (sum !== sourceSum) throw new Error(`${name} ended with CHECKSUM ${sum}, the source has ${sourceSum}`)
      }
      console.log(`CHECKSUM TABLE ${db}.items equal on the source, Cutover's target and both replicas (${sourceSum}).`)
    }
    await targetConnection.end()
    await sourceConnection.end()
    const rates = rows.map((r) => ({ ...r, rate: written / r.seconds }))
    const cutoverRate = rates[0]!.rate

    // Lag at half of Cutover's maximum rate, every replicating applier live.
    // CDC_OFFERED fixes the offered load, so runs with and without a setting compare at the same rate.
    const offered = Number(process.env.CDC_OFFERED ?? 0) || Math.round(cutoverRate / 2)
    console.log(`Offering ${offered} row changes/s for ${lagSeconds} s and sampling lag…`)
    const targetConn = await target.connect()
    const lagged = [
      { key: 'cutover', conn: targetConn },
      { key: 'single', conn: replicas.single },
      { key: 'parallel', conn: replicas.parallel },
    ].filter((x): x is { key: string; conn: Connection } => x.conn !== null)
    const samples: Record<string, number[]> = Object.fromEntries(lagged.map((x) => [x.key, []]))
    let sampling = true
    const [[nowRow]] = (await targetConn.query('SELECT NOW(6) AS now')) as unknown as [{ now: string }[]]
    const since = nowRow!.now
    const sampler = (async () => {
      while (sampling) {
        for (const x of lagged) samples[x.key]!.push(await lagOf(x.conn, since))
        await new Promise((r) => setTimeout(r, 100))
      }
    })()
    await writeWorkload(source, offered * lagSeconds, 2, offered)
    sampling = false
    await sampler
    if (config.spec.continuousValidation) {
      const loadEnded = performance.now()
      const atEnd = store.continuousValidation(job.id)
      await waitFor(() => (store.continuousValidation(job.id)?.pending ?? 1) === 0, 'continuous validation to drain')
      const cv = store.continuousValidation(job.id)!
      console.log(
        `Continuous validation: ${cv.checked} rows compared equal, ${cv.failed} different, ${atEnd?.pending ?? 0} waiting when the load ended, all compared ${((performance.now() - loadEnded) / 1000).toFixed(1)} s later; not followed: ${JSON.stringify(cv.notFollowed)}`,
      )
      if (cv.failed > 0) throw new Error(`continuous validation found differences: ${JSON.stringify(cv.failedRows.slice(0, 5))}`)
    }

    // The second row is the reference: the direct replay on TiDB, the single-threaded replica on MariaDB.
    const reference = rates[1]!
    const keys = tidb ? ['cutover', 'replay'] : ['cutover', 'single', 'parallel']
    const table = [
      [
        'applier',
        'row changes',
        'seconds',
        'apply rate (rows/s)',
        tidb ? 'vs direct replay' : 'vs 1 SQL thread',
        `lag p50 @${offered}/s`,
        'lag p99',
      ],
      ...rates.map((r, i) => {
        const s = samples[keys[i]!]
        return [
          r.name,
          String(written),
          r.seconds.toFixed(2),
          Math.round(r.rate).toString(),
          `${(r.rate / reference.rate).toFixed(2)}×`,
          s ? `${percentile(s, 50).toFixed(3)} s` : '-',
          s ? `${percentile(s, 99).toFixed(3)} s` : '-',
        ]
      }),
    ]
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
    console.log('')
    for (const [i, row] of table.entries()) {
      console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '))
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'))
    }
    console.log(
      tidb
        ? `\nTargets: apply rate ≥ 0.8× the direct replay; lag p99 < 1 s at half of Cutover's maximum rate.`
        : `\nTargets: apply rate ≥ 1.0× the single-threaded replica; lag p99 < 1 s at half of Cutover's maximum rate.`,
    )
    run.pause()
    await run.done
    run = null
    await targetConn.end()
    for (const r of Object.values(replicas)) await r?.end()
    await replayConnection?.end()
    store.close()
  } finally {
    if (run) {
      run.pause()
      await run.done.catch(() => undefined)
    }
    await Promise.all(servers.map((s) => s.stop()))
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
