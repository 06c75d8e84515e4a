/**
 * The SIGKILL matrix: one `both` job per mode (MariaDB source → TiDB target, a real `cutover run` process each
 * time) is killed with SIGKILL at 20 points across its life while a write workload runs on the source (inserts,
 * updates and deletes on a keyed table, a table with a unique secondary key, a table without any key, and large
 * multi-statement transactions), and resumed by a new `cutover run` of the same file and store after each kill.
 * Each point is reached by waiting for what marks it (a line of the run's --json output, the store's chunk
 * checkpoints, a statement in a server's process list), never by sleeping. The tables are compared with the
 * referee once the job is caught up with the copy-phase kills behind it, and again at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobMode } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy'
import {
  closeScratchDatabase,
  connectSource,
  openScratchDatabase,
  sourceServer,
  targetServerOf,
  uniqueName,
} from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { runCli, type CliRun } from '../cli/cliProcess'

const tables = ['keyed', 'uniq', 'nokey', 'big']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface OutputLine {
  type: string
  code?: string | null
  message?: string
  stage?: string | null
  status?: string
  lagBytes?: number | null
  item?: unknown
}

function lines(run: CliRun): OutputLine[] {
  const out: OutputLine[] = []
  for (const text of run.output().split('\n')) {
    if (!text.startsWith('{')) continue
    try {
      out.push(JSON.parse(text) as OutputLine)
    } catch {
      // A line still being written.
    }
  }
  return out
}
const logged = (run: CliRun, code: string) => lines(run).some((l) => l.type === 'log' && l.code === code)

/** Small transactions over every table, paced so the machine's two cores are not spent on the workload. */
function startWorkload(c: Connection, db: string, seed: number): { stop(): Promise<number> } {
  let stopped = false
  let x = seed
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x % n
  }
  const loop = (async () => {
    let transactions = 0
    while (!stopped) {
      try {
        await c.query('START TRANSACTION')
        for (let k = 0; k < 3; k++) {
          const id = rand(9000)
          switch (rand(7)) {
            case 0:
              await c.query(
                `INSERT INTO \`${db}\`.keyed (id, v, n, pad) VALUES (?, ?, ?, 'w') ON DUPLICATE KEY UPDATE n = n + 1`,
                [id, `v${id}`, id],
              )
              break
            case 1:
              await c.query(`UPDATE \`${db}\`.keyed SET v = CONCAT(LEFT(v, 150), 'u'), n = n + 7 WHERE id = ?`, [id])
              break
            case 2:
              await c.query(`DELETE FROM \`${db}\`.keyed WHERE id = ?`, [id])
              break
            case 3:
              await c.query(`INSERT IGNORE INTO \`${db}\`.uniq (code, v) VALUES (?, ?)`, [`C${rand(3000)}`, id])
              await c
                .query(`UPDATE \`${db}\`.uniq SET code = ? WHERE code = ?`, [`C${rand(3000)}x`, `C${rand(3000)}`])
                .catch(() => undefined)
              break
            case 4:
            case 5:
              await c.query(`INSERT INTO \`${db}\`.nokey (a, b, pad) VALUES (?, ?, 'w')`, [rand(50), `b${rand(5)}`])
              await c.query(`DELETE FROM \`${db}\`.nokey WHERE a = ? LIMIT 1`, [rand(50)])
              if (rand(3) === 0)
                await c.query(`UPDATE \`${db}\`.nokey SET b = ? WHERE a = ? LIMIT 1`, [`u${rand(9)}`, rand(50)])
              break
            default:
              await c.query(`UPDATE \`${db}\`.big SET v = ? WHERE id = ?`, [`w${transactions}`, rand(1000)])
          }
        }
        await c.query('COMMIT')
        transactions++
      } catch {
        await c.query('ROLLBACK').catch(() => undefined)
      }
      await sleep(8)
    }
    return transactions
  })()
  return {
    async stop() {
      stopped = true
      return loop
    },
  }
}

interface MatrixRow {
  point: string
  mode: JobMode
  result: string
  seconds: number
}
const matrix: MatrixRow[] = []

describe.each(['logical', 'physical'] as JobMode[])('SIGKILL matrix of a both job, %s mode', (mode) => {
  const db = uniqueName(`killmx_${mode}`)
  const dir = mkdtempSync(join(tmpdir(), 'cutover-killmx-'))
  const name = `killmx-${mode}`
  const storePath = join(dir, 'cutover.db')
  const jobFile = join(dir, 'job.yaml')
  let source: Connection
  let target: Connection
  let writer: Connection
  let bigWriter: Connection
  let proxy: FaultProxy
  const s = sourceServer()
  const t = targetServerOf('tidb')
  const env = {
    CUTOVER_SOURCE_PASSWORD: s.password,
    CUTOVER_TARGET_PASSWORD: t.password,
    CUTOVER_CHUNK_BYTES: String(64 * 1024),
  }
  const args = ['run', jobFile, '--store', storePath, '--accept-warnings', '--json']

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db, 'tidb'))
    writer = await connectSource()
    bigWriter = await connectSource()
    // Every source connection of the job goes through the proxy, so a reconnect can be caused at will.
    proxy = await startFaultProxy(s)
    await source.query(
      `CREATE TABLE \`${db}\`.keyed (id INT PRIMARY KEY, v VARCHAR(200), n BIGINT, pad VARCHAR(200), KEY by_n (n))`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.keyed SELECT seq, CONCAT('v', seq), seq, REPEAT('k', 150 + seq % 40) FROM \`${db}\`.seq_1_to_8000`,
    )
    await source.query(
      `CREATE TABLE \`${db}\`.uniq (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, UNIQUE KEY (code))`,
    )
    await source.query(`INSERT INTO \`${db}\`.uniq (code, v) SELECT CONCAT('C', seq), seq FROM \`${db}\`.seq_1_to_2000`)
    await source.query(`CREATE TABLE \`${db}\`.nokey (a INT, b VARCHAR(10), pad VARCHAR(200))`)
    await source.query(
      `INSERT INTO \`${db}\`.nokey SELECT seq % 50, CONCAT('b', seq % 5), REPEAT('n', 100 + seq % 90) FROM \`${db}\`.seq_1_to_3000`,
    )
    await source.query(`CREATE TABLE \`${db}\`.big (id INT PRIMARY KEY, g INT, v VARCHAR(40))`)
    await source.query(
      `INSERT INTO \`${db}\`.big SELECT seq, seq % 10, CONCAT('big ', seq) FROM \`${db}\`.seq_1_to_1000`,
    )
    // Row estimates the chunk planner reads: without them a fresh table may be planned as a single chunk.
    await source.query(`ANALYZE TABLE \`${db}\`.keyed, \`${db}\`.uniq, \`${db}\`.nokey, \`${db}\`.big`)
    writeFileSync(
      jobFile,
      [
        `name: ${name}`,
        `source: { host: ${proxy.host}, port: ${proxy.port}, user: ${s.user} }`,
        `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
        'type: both',
        `mode: ${mode}`,
        `objects: [${db}]`,
        // About 3 MB at 0.6 MB/s: the copy lasts several seconds, so its points are reached while it runs.
        'spec: { concurrency: 2, exportMBps: 0.6, deferIndexes: true, analyze: true }',
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await proxy?.close()
    await closeScratchDatabase(db, source, target, writer, bigWriter)
    rmSync(dir, { recursive: true, force: true })
  })

  const chunks = () => {
    const store = openJobStore(storePath)
    try {
      return store.listChunks(store.findJobByName(name)?.id ?? '')
    } finally {
      store.close()
    }
  }
  const copiedFraction = () => {
    const c = chunks()
    return c.length === 0 ? -1 : c.filter((x) => x.state === 'done').length / c.length
  }
  const processList = async (c: Connection, pattern: string) =>
    (
      (await c.query('SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE INFO LIKE ?', [
        pattern,
      ])) as unknown as [{ id: number; info: string }[]]
    )[0]

  /**
   * Starts `cutover run`, waits until `ready` says the point is reached, kills the process with SIGKILL and
   * records the point. A run that ends by itself before the point is a failure (its output is shown).
   */
  async function killAt(
    point: string,
    ready: (run: CliRun) => boolean | Promise<boolean>,
    options: { timeoutMs?: number; stopping?: boolean } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 60_000
    const started = Date.now()
    const run = runCli(args, env)
    let exit: number | null | undefined
    void run.exited.then((code) => (exit = code))
    for (;;) {
      if (exit !== undefined)
        throw new Error(`${point}: the run ended (exit ${exit}) before the point\n${run.output()}`)
      let reached = false
      try {
        reached = await ready(run)
      } catch {
        // The store is not created yet.
      }
      if (reached) break
      if (Date.now() - started > timeoutMs) {
        run.kill()
        throw new Error(`${point}: not reached within ${timeoutMs / 1000} s\n${run.output()}`)
      }
      await sleep(15)
    }
    run.kill()
    // A run sent SIGTERM first may have stopped by itself in the meantime.
    if (options.stopping) await run.exited
    else expect(await run.exited).toBeNull()
    const failed = lines(run).find((l) => l.type === 'log' && (l as { level?: string }).level === 'error')
    if (failed) throw new Error(`${point}: the run logged an error before the kill: ${failed.message}\n${run.output()}`)
    matrix.push({ point, mode, result: 'killed', seconds: (Date.now() - started) / 1000 })
  }

  async function expectEqual(when: string) {
    for (const table of tables) {
      const diff = await compareTable(source, target, db, table)
      const result =
        diff.firstDifference === null && diff.targetRows === diff.sourceRows
          ? 'equal'
          : `${table}: source ${diff.sourceRows} rows, target ${diff.targetRows}; ${JSON.stringify(diff.firstDifference)?.slice(0, 300)}`
      expect(result, `${mode}, ${when}`).toBe('equal')
      expect(diff.targetChecksum, `${mode}, ${when}, ${table}`).toBe(diff.sourceChecksum)
    }
  }

  /** `cutover run --until-caught-up` of the job: the target then has every change the source's binlog holds. */
  async function catchUp(): Promise<void> {
    const run = runCli([...args, '--until-caught-up'], env)
    expect(await run.exited, run.output()).toBe(0)
    expect(lines(run).find((l) => l.type === 'result')?.status, run.output()).toBe('caught-up')
  }

  let largeTransactionDone: Promise<void> = Promise.resolve()
  /**
   * A kill-point test that starts one transaction of about 9,300 row changes on the source (inserts, updates and
   * deletes of ids above `base`) once the run replicates, and is true once part of it is on the target.
   */
  function inLargeTransaction(base: number) {
    let started = false
    return async (run: CliRun) => {
      if (!logged(run, 'REPLICATE_STARTED')) return false
      if (!started) {
        started = true
        largeTransactionDone = (async () => {
          await bigWriter.query('START TRANSACTION')
          await bigWriter.query(
            `INSERT INTO \`${db}\`.big SELECT ${base} + seq, seq % 10, 'txn' FROM \`${db}\`.seq_1_to_4000`,
          )
          await bigWriter.query(`UPDATE \`${db}\`.big SET v = CONCAT(v, ' updated') WHERE id > ${base}`)
          await bigWriter.query(`DELETE FROM \`${db}\`.big WHERE id > ${base} AND id % 3 = 0`)
          await bigWriter.query('COMMIT')
        })()
      }
      const [[row]] = (await target.query(
        `SELECT COUNT(*) AS n FROM \`${db}\`.big WHERE id > ${base} AND id <= ${base + 4000}`,
      )) as unknown as [[{ n: number | string }]]
      return Number(row.n) > 0
    }
  }

  it('ends with equal tables after a kill at each of 20 points', { timeout: 300_000 }, async () => {
    let load = startWorkload(writer, db, 7)

    // --- Before and around the snapshot.
    await killAt('connect / precheck', (run) => lines(run).some((l) => l.type === 'precheck'))
    // A write statement in progress makes FLUSH TABLES WITH READ LOCK wait (MariaDB's backup lock): the kill lands
    // while the run waits for the lock, the source's writes blocked behind it.
    let blocking = true
    const blocker = (async () => {
      const c = await connectSource()
      try {
        while (blocking) await c.query(`UPDATE \`${db}\`.big SET g = g WHERE id = 1 AND SLEEP(1) = 0`)
      } finally {
        await c.end()
      }
    })()
    try {
      await killAt(
        'taking the snapshot (FTWRL waiting)',
        async () => (await processList(source, 'FLUSH TABLES WITH READ LOCK%')).length > 0,
      )
    } finally {
      blocking = false
      await blocker
    }
    // The killed run's lock request may outlive its client for a moment: it must not hold the source's writes.
    for (const p of await processList(source, 'FLUSH TABLES WITH READ LOCK%'))
      await source.query(`KILL ${Number(p.id)}`).catch(() => undefined)
    await killAt('right after the snapshot', (run) => logged(run, 'SNAPSHOT_OPENED'))
    await killAt('creating the schema', (run) => lines(run).some((l) => l.type === 'stage' && l.stage === 'schema'))

    // --- The existing-data copy (each resume takes a new snapshot).
    await killAt(
      'copy at 0 % (key-less table in flight)',
      () => chunks().some((c) => c.table.endsWith('.nokey') && c.state === 'started') && copiedFraction() < 0.1,
    )
    await killAt('copy at ~30 %', () => copiedFraction() >= 0.3)
    await killAt('copy at ~70 %', () => copiedFraction() >= 0.7)
    await killAt('deferred index build', async (run) => {
      if (logged(run, 'LOAD_INDEXES_BUILT')) return true
      return (await processList(target, `ALTER TABLE \`${db}\`%ADD%`)).length > 0
    })
    await killAt('ANALYZE TABLE', async (run) => {
      if (logged(run, 'LOAD_TABLE_ANALYZED')) return true
      return (await processList(target, `ANALYZE TABLE \`${db}\`%`)).length > 0
    })
    await killAt('copy done, before replication', (run) =>
      lines(run).some((l) => l.type === 'log' && l.message?.startsWith('Existing data copied')),
    )
    await killAt('switch to replication', (run) =>
      lines(run).some((l) => l.type === 'stage' && l.stage === 'incremental'),
    )

    // --- Replication.
    await killAt('replication started (safe-mode replay)', (run) => logged(run, 'REPLICATE_STARTED'))
    await killAt('catching up', (run) =>
      lines(run).some((l) => l.type === 'progress' && l.stage === 'incremental' && (l.lagBytes ?? 0) > 0),
    )
    // Parts of a transaction larger than the reader's part size (2,000 rows) are applied before its end is read.
    await killAt('inside a large source transaction', inLargeTransaction(100_000))
    await largeTransactionDone
    await source.query(`ALTER TABLE \`${db}\`.keyed ADD COLUMN extra INT NOT NULL DEFAULT 7`)
    await killAt('right after a replicated DDL', (run) => logged(run, 'REPLICATE_DDL_APPLIED'))

    // Idle: the workload stops, the job catches up, is killed there, and the tables are compared.
    await load.stop()
    await killAt('idle, caught up', (run) => logged(run, 'REPLICATE_CAUGHT_UP'))
    await catchUp()
    await expectEqual('after the copy-phase kills')
    load = startWorkload(writer, db, 11)

    // A lost source connection: the job waits for its next attempt when it is killed.
    let resetDone = false
    await killAt('reconnect backoff', (run) => {
      if (!logged(run, 'REPLICATE_STARTED')) return false
      if (!resetDone) {
        resetDone = true
        proxy.refuse()
        proxy.reset()
      }
      return lines(run).some((l) => l.type === 'log' && /Reconnecting in \d+ s/.test(l.message ?? ''))
    })
    proxy.pass()
    // A graceful stop (SIGTERM) while a large transaction is half applied; SIGKILL if it is still running.
    const inSecond = inLargeTransaction(200_000)
    await killAt(
      'SIGTERM inside a large source transaction',
      async (run) => {
        if (!(await inSecond(run))) return false
        run.kill('SIGTERM')
        await Promise.race([run.exited, sleep(8000)])
        return true
      },
      { stopping: true },
    )
    await largeTransactionDone
    await killAt('double kill: first', (run) => logged(run, 'REPLICATE_STARTED'))
    await killAt('double kill: second, while connecting', (run) => lines(run).some((l) => l.type === 'stage'))

    // The end: the workload stops, a last run catches up, and every table is equal.
    expect(await load.stop()).toBeGreaterThan(50)
    await catchUp()
    await expectEqual('at the end')
    const points = matrix.filter((r) => r.mode === mode)
    expect(points.length).toBeGreaterThanOrEqual(20)
    console.log(points.map((r) => `${r.mode.padEnd(8)} ${r.point.padEnd(50)} ${r.seconds.toFixed(1)} s`).join('\n'))
  })
})
