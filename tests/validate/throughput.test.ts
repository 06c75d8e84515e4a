/**
 * Validation throughput on a 200k-row table copied into TiDB: rows/s, the CPU seconds of the source mariadbd, the
 * tidb-server and this process, and the peak RSS growth; then the same table digested by hand the way
 * sync-diff-inspector does (one COUNT + BIT_XOR(MD5) query per side, issued by a plain client) for comparison.
 * A measurement, not a check of behaviour: it runs only with CUTOVER_MEASURE_VALIDATION=1 and prints its figures.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { createEngine, type Engine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { digestColumn, digestSelect, rowText, type DigestKind } from '../../src/main/engine/validate/columnDigest'
import { openJobStore } from '../../src/main/store/jobStore'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'

const rows = 200_000

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** The pid of the server process whose command line names this port (the harness starts one per port). */
function serverPid(binary: string, port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (
        cmdline[0]?.endsWith(binary) &&
        cmdline.some(
          (a, i) => a === String(port) || a === `--port=${port}` || (a === '-P' && cmdline[i + 1] === String(port)),
        )
      )
        return Number(entry)
    } catch {
      // A process that ended while listed.
    }
  }
  return null
}

async function measured<T>(pids: Record<string, number | null>, work: () => Promise<T>) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) : NaN]))
  const self = process.cpuUsage()
  const rss = process.memoryUsage().rss
  let peak = rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  const began = Date.now()
  try {
    const value = await work()
    const seconds = (Date.now() - began) / 1000
    const used = process.cpuUsage(self)
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) - before[k]! : NaN]),
    )
    return {
      value,
      seconds,
      cpu: { ...cpu, cutover: (used.user + used.system) / 1e6 },
      rssGrowthMB: (peak - rss) / 1048576,
    }
  } finally {
    clearInterval(sampler)
  }
}

describe.runIf(process.env.CUTOVER_MEASURE_VALIDATION === '1')('validation throughput', () => {
  const db = uniqueName('val_bench')
  const dir = mkdtempSync(join(tmpdir(), 'cutover-validate-'))
  let source: Connection
  let target: Connection
  let engine: Engine

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(
      `CREATE TABLE \`${db}\`.big (id BIGINT PRIMARY KEY, a INT, v VARCHAR(64), d DECIMAL(12,2), t DATETIME(3), note TEXT, f DOUBLE) DEFAULT CHARSET=utf8mb4`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.big SELECT seq, seq % 1000, CONCAT('value ', seq, ' ', MD5(seq)), seq / 7, '2024-01-01' + INTERVAL seq SECOND, REPEAT('n', seq % 200), seq / 3 FROM \`${db}\`.seq_1_to_${rows}`,
    )
    engine = createEngine({ store: openJobStore(join(dir, 'cutover.db')), secrets: memoryOnlySecrets })
  }, 600_000)
  afterAll(async () => {
    engine?.close()
    await closeScratchDatabase(db, source, target)
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints rows/s and server CPU for Cutover and for the hand-made digest', async () => {
    const job = engine.createJob(
      jobConfigSchema.parse({
        name: 'bench',
        source: sourceServer(),
        target: targetServer(),
        type: 'existing',
        objects: [db],
      }),
    )
    engine.startJob(job.id)
    expect(await engine.waitForJob(job.id)).toBe('finished')
    const pids = {
      source: serverPid('mariadbd', sourceServer().port),
      target: serverPid('tidb-server', targetServer().port),
    }
    // TiDB would analyze the freshly loaded table in the background, in the middle of the measurements.
    await target.query(`ANALYZE TABLE \`${db}\`.big`)
    const figures: Record<string, unknown> = { rows, pids }
    for (const variant of [{ name: 'cutover (all columns)', tables: undefined as string[] | undefined }]) {
      const run = await measured(pids, () => engine.validateJob(job.id, { tables: variant.tables }))
      expect(run.value.status).toBe('equal')
      figures[variant.name] = {
        seconds: run.seconds,
        rowsPerSecond: Math.round(rows / run.seconds),
        chunks: run.value.tables[0]!.chunks,
        cpu: run.cpu,
        rssGrowthMB: run.rssGrowthMB,
      }
    }
    // sync-diff-inspector's checksum, issued by hand: one query per side over the whole table, as it would per chunk.
    const columns = ['id', 'a', 'v', 'd', 't', 'note', 'f']
    const row = `CONCAT_WS(',', ${columns.map((c) => `\`${c}\``).join(', ')}, CONCAT(${columns.map((c) => `ISNULL(\`${c}\`)`).join(', ')}))`
    const sql = `SELECT COUNT(*) AS n, BIT_XOR(CAST(CONV(SUBSTRING(MD5(${row}), 1, 16), 16, 10) AS UNSIGNED)) AS x FROM \`${db}\`.big`
    const byHand = await measured(pids, () => Promise.all([source.query(sql), target.query(sql)]))
    figures['by hand (sync-diff-inspector digest, whole table)'] = {
      seconds: byHand.seconds,
      rowsPerSecond: Math.round(rows / byHand.seconds),
      cpu: byHand.cpu,
    }
    // Where Cutover's time goes: its server digest (the six exactly-rendered columns, CONCAT_WS evaluated for CRC32
    // and for MD5) and its read of the DOUBLE column, each over the whole table on both sides.
    const kinds: [string, DigestKind][] = [
      ['id', 'integer'],
      ['a', 'integer'],
      ['v', 'text'],
      ['d', 'decimal'],
      ['t', 'temporal'],
      ['note', 'text'],
      ['f', 'float'],
    ]
    const digest = kinds.map(([name, kind]) =>
      digestColumn({ name, charset: kind === 'text' ? 'utf8mb4' : null }, kind),
    )
    const serverSql = `SELECT ${digestSelect(digest)} FROM \`${db}\`.big`
    const serverOnly = await measured(pids, () => Promise.all([source.query(serverSql), target.query(serverSql)]))
    figures['cutover server digest only (whole table, both sides)'] = {
      seconds: serverOnly.seconds,
      cpu: serverOnly.cpu,
    }
    const cutoverRow = rowText(digest)
    const variants: Record<string, string> = {
      derived: `SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(h, 1, 16), 16, 10) AS UNSIGNED)), 0), COALESCE(SUM(CAST(CONV(SUBSTRING(h, 17, 12), 16, 10) AS UNSIGNED)), 0) FROM (SELECT MD5(${cutoverRow}) AS h FROM \`${db}\`.big) AS d`,
      sumOnly: `SELECT COUNT(*), COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${cutoverRow}), 1, 15), 16, 10) AS UNSIGNED)), 0) FROM \`${db}\`.big`,
      crcOnly: `SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(${cutoverRow})), 0) FROM \`${db}\`.big`,
    }
    for (const [name, sql] of Object.entries(variants)) {
      const run = await measured(pids, () => Promise.all([source.query(sql), target.query(sql)]))
      figures[`variant ${name}`] = { seconds: run.seconds, cpu: run.cpu }
    }
    const clientSql = `SELECT CAST(id AS SIGNED), (f * 1e0) FROM \`${db}\`.big`
    const clientOnly = await measured(pids, () => Promise.all([source.query(clientSql), target.query(clientSql)]))
    figures['cutover DOUBLE read only (whole table, both sides)'] = { seconds: clientOnly.seconds, cpu: clientOnly.cpu }

    // Effect on a running job: a both job replicating a steady write load, its lag sampled for 15 s alone and then
    // while the 200k-row table is validated (the validation reads both servers; the machine's cores are shared).
    await source.query(`CREATE TABLE \`${db}\`.live (id INT PRIMARY KEY, v VARCHAR(64), n BIGINT)`)
    await source.query(`INSERT INTO \`${db}\`.live SELECT seq, CONCAT('v', seq), seq FROM \`${db}\`.seq_1_to_20000`)
    const live = engine.createJob(
      jobConfigSchema.parse({
        name: 'live',
        source: sourceServer(),
        target: targetServer(),
        type: 'both',
        objects: [`${db}.live`],
      }),
    )
    const lags: { at: number; lag: number }[] = []
    const off = engine.events.subscribe((channel, payload) => {
      const p = payload as { jobId: string; stage: string; lagSeconds: number | null }
      if (channel === 'job:progress' && p.jobId === live.id && p.stage === 'incremental' && p.lagSeconds !== null)
        lags.push({ at: Date.now(), lag: p.lagSeconds })
    })
    engine.startJob(live.id, { heartbeatSeconds: 0.5 })
    while (engine.getJob(live.id).stage !== 'incremental') await new Promise((r) => setTimeout(r, 200))
    let stop = false
    const writer = (async () => {
      let i = 0
      while (!stop) {
        await source.query(`UPDATE \`${db}\`.live SET n = n + 1 WHERE id = ?`, [((i++ * 7919) % 20000) + 1])
        await new Promise((r) => setTimeout(r, 5))
      }
      return i
    })()
    await new Promise((r) => setTimeout(r, 15_000))
    const aloneUntil = Date.now()
    const during = await measured(pids, () => engine.validateJob(job.id))
    const duringUntil = Date.now()
    stop = true
    const writes = await writer
    off()
    await engine.pauseJob(live.id)
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b)
      return { samples: xs.length, median: sorted[Math.floor(sorted.length / 2)] ?? null, max: sorted.at(-1) ?? null }
    }
    figures['running job lag (s)'] = {
      writes,
      alone: stats(lags.filter((l) => l.at <= aloneUntil).map((l) => l.lag)),
      duringValidation: stats(lags.filter((l) => l.at > aloneUntil && l.at <= duringUntil).map((l) => l.lag)),
      validationSeconds: during.seconds,
    }
    console.log(`VALIDATION THROUGHPUT ${JSON.stringify(figures, null, 2)}`)
  }, 900_000)
})
