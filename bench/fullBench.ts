/**
 * `npm run bench:full [-- --scale N]`: the existing-data copy, measured against what a DBA would otherwise do,
 * on the same generated data in the same run — mydumper + myloader (-t 2), mysqldump | mysql, and the target's
 * own limit (server-side LOAD DATA INFILE of pre-written files, two at a time) — with Cutover's logical and
 * physical modes. Every Cutover run ends with CHECKSUM TABLE equal on all tables, or the bench fails.
 */
import { spawn } from 'node:child_process'
import { chmodSync, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { startMariaDb } from '../tests/harness/mariadb'
import type { MariaDbServer } from '../tests/harness/mariadb'
import { createDataset } from './dataset'
import { cpuSeconds, exitedChildrenCpuSeconds, trackPeakRss } from './processPeak'

interface Measurement {
  method: string
  seconds: number
  peakRssBytes: number | null
  /** CPU seconds of the tool's own processes, the source mysqld and the target mysqld during the run. */
  cpu: { tool: number | null; source: number; target: number }
  note: string
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const db = 'bench'
const cli = resolve(__dirname, '../cli/cutover.js')

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

/** Runs commands (a pipeline when several), returning wall time and the largest peak RSS among them. */
async function timed(
  commands: { cmd: string; args: string[]; env?: Record<string, string> }[],
  /** Where the last command's output goes (default: dropped). */
  outputFile?: string,
): Promise<{ seconds: number; peak: number }> {
  const started = performance.now()
  const children = commands.map((c) =>
    spawn(c.cmd, c.args, { env: { ...process.env, ...c.env }, stdio: ['pipe', 'pipe', 'pipe'] }),
  )
  children.forEach((child, i) => {
    const next = children[i + 1]
    if (next) child.stdout!.pipe(next.stdin!)
    else if (outputFile) child.stdout!.pipe(createWriteStream(outputFile))
    else child.stdout!.resume()
    if (i === 0) child.stdin!.end()
  })
  const trackers = children.map((c) => trackPeakRss(c))
  const errors: string[] = []
  children.forEach((c) => c.stderr!.on('data', (d: Buffer) => errors.push(d.toString())))
  const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.once('exit', r))))
  trackers.forEach((t) => t.stop())
  if (codes.some((code) => code !== 0)) {
    throw new Error(
      `${commands.map((c) => c.cmd).join(' | ')} failed (${codes.join(', ')}):\n${errors.join('').slice(-2000)}`,
    )
  }
  return { seconds: (performance.now() - started) / 1000, peak: trackers.reduce((n, t) => n + t.peakBytes(), 0) }
}

async function checksums(c: Connection, tables: string[]): Promise<string[]> {
  const [rows] = (await c.query(`CHECKSUM TABLE ${tables.map((t) => `\`${db}\`.\`${t}\``).join(', ')}`)) as unknown as [
    { Checksum: string }[],
  ]
  return rows.map((r) => String(r.Checksum))
}

async function main(): Promise<void> {
  const scale = Number(arg('scale', '1'))
  if (!(scale > 0)) throw new Error('--scale must be a positive number')
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-'))
  chmodSync(work, 0o777)
  // Same server settings for every method; by default a buffer pool that holds the data, as a production box
  // would. `--buffer-pool 128M --redo 96M` (MariaDB's own defaults) gives a disk-bound target instead.
  const bufferPool = arg('buffer-pool', '1G')
  const redo = arg('redo', '256M')
  const serverArgs = [
    `--innodb-buffer-pool-size=${bufferPool}`,
    `--innodb-log-file-size=${redo}`,
    '--max-allowed-packet=64M',
    '--secure-file-priv=',
  ]
  let source: MariaDbServer | null = null
  let target: MariaDbServer | null = null
  try {
    ;[source, target] = await Promise.all([
      startMariaDb({
        name: 'bench-source',
        serverId: 11,
        binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' },
        extraArgs: serverArgs,
      }),
      startMariaDb({ name: 'bench-target', serverId: 12, binlog: null, extraArgs: serverArgs }),
    ])
    const src = await source.connect()
    const tgt = await target.connect()
    process.stdout.write(`Generating the dataset (scale ${scale})…\n`)
    const tables = await createDataset(src, db, scale)
    const totalRows = tables.reduce((n, t) => n + t.rows, 0)
    const [size] = (await src.query(
      `SELECT SUM(DATA_LENGTH) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`,
      [db],
    )) as unknown as [{ bytes: string }[]]
    const dataBytes = Number(size[0]!.bytes)
    process.stdout.write(
      `${totalRows} rows, ${(dataBytes / 1048576).toFixed(0)} MiB of table data in ${tables.length} tables.\n`,
    )
    const names = tables.map((t) => t.name)
    const expected = await checksums(src, names)
    const conn = (s: MariaDbServer) => ['-h', s.host, '-P', String(s.port), '-u', s.user, `-p${s.password}`]
    // mydumper's option parser takes `-pX` as two flags; long options are unambiguous.
    const longConn = (s: MariaDbServer) => [
      `--host=${s.host}`,
      `--port=${s.port}`,
      `--user=${s.user}`,
      `--password=${s.password}`,
    ]
    const resetTarget = async () => {
      await tgt.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    const verify = async (method: string) => {
      const got = await checksums(tgt, names)
      if (got.join() !== expected.join())
        throw new Error(`${method}: target checksums ${got.join()} differ from the source's ${expected.join()}`)
    }
    const results: Measurement[] = []
    const cpuNow = () => ({
      tool: exitedChildrenCpuSeconds(),
      source: cpuSeconds(source!.pid),
      target: cpuSeconds(target!.pid),
    })
    // Each method starts from the same state: the target's dirty pages flushed (the previous load would
    // otherwise leave its redo log near full, so the next one pays for its flushing), and both servers quiet
    // (together under 5 % of a core for half a second; 15 s at most).
    const settle = async () => {
      const dirty = async () => {
        const [rows] = (await tgt.query(
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_pages_dirty', 'Innodb_checkpoint_age')",
        )) as unknown as [{ Variable_name: string; Value: string }[]]
        return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]))
      }
      const [[pct]] = (await tgt.query('SELECT @@innodb_max_dirty_pages_pct AS v')) as unknown as [{ v: number }[]]
      await tgt.query('SET GLOBAL innodb_max_dirty_pages_pct = 0')
      try {
        for (let waited = 0; waited < 60_000; waited += 250) {
          const d = await dirty()
          if ((d['Innodb_buffer_pool_pages_dirty'] ?? 0) < 50 && (d['Innodb_checkpoint_age'] ?? 0) < 4 << 20) break
          await new Promise((r) => setTimeout(r, 250))
        }
      } finally {
        await tgt.query(`SET GLOBAL innodb_max_dirty_pages_pct = ${Number(pct!.v)}`)
      }
      const busy = () => cpuSeconds(source!.pid) + cpuSeconds(target!.pid)
      let quiet = 0
      for (let waited = 0, last = busy(); quiet < 2 && waited < 15_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250))
        const now = busy()
        quiet = now - last < 0.0125 ? quiet + 1 : 0
        last = now
      }
    }
    const measure = async (
      method: string,
      note: string,
      run: () => Promise<{ seconds: number; peak: number | null }>,
    ) => {
      await resetTarget()
      await settle()
      process.stdout.write(`Measuring ${method}…\n`)
      const cpu0 = cpuNow()
      const r = await run()
      const cpu1 = cpuNow()
      await verify(method)
      const cpu = { tool: cpu1.tool - cpu0.tool, source: cpu1.source - cpu0.source, target: cpu1.target - cpu0.target }
      results.push({ method, seconds: r.seconds, peakRssBytes: r.peak, cpu, note })
      process.stdout.write(
        `  ${r.seconds.toFixed(1)} s (CPU: tool ${cpu.tool.toFixed(1)} s, source mysqld ${cpu.source.toFixed(1)} s, target mysqld ${cpu.target.toFixed(1)} s)\n`,
      )
    }

    // The target's own limit: files written beforehand by the source, loaded server-side two at a time.
    const outDir = join(work, 'outfile')
    rmSync(outDir, { recursive: true, force: true })
    await timed([{ cmd: 'mkdir', args: ['-p', outDir] }])
    chmodSync(outDir, 0o777)
    // BIT goes out as its number: INTO OUTFILE writes its raw byte unescaped, which can be a tab.
    const loadStatements = new Map<string, string>()
    for (const t of names) {
      const [cols] = (await src.query(
        'SELECT COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [db, t],
      )) as unknown as [{ c: string; d: string }[]]
      const file = join(outDir, `${t}.tsv`)
      await src.query(
        `SELECT ${cols.map((x) => (x.d === 'bit' ? `CAST(\`${x.c}\` AS UNSIGNED)` : `\`${x.c}\``)).join(', ')} INTO OUTFILE '${file}' FROM \`${db}\`.\`${t}\``,
      )
      const targets = cols.map((x, i) => (x.d === 'bit' ? `@v${i}` : `\`${x.c}\``)).join(', ')
      const sets = cols.flatMap((x, i) => (x.d === 'bit' ? [`\`${x.c}\` = CAST(@v${i} AS UNSIGNED)`] : [])).join(', ')
      loadStatements.set(t, `LOAD DATA INFILE '${file}' INTO TABLE \`${t}\` (${targets})${sets ? ` SET ${sets}` : ''}`)
    }
    const measureLimit = async () => {
      await resetTarget()
      const schema = await timed([
        { cmd: 'mysqldump', args: [...conn(source!), '--no-data', '--databases', db] },
        { cmd: 'mysql', args: conn(target!) },
      ])
      void schema
      await settle()
      process.stdout.write('Measuring LOAD DATA INFILE limit…\n')
      const targetCpu0 = cpuSeconds(target!.pid)
      const loaders = await Promise.all([target!.connect(db), target!.connect(db)])
      const queue = [...tables].sort((a, b) => b.rows - a.rows).map((t) => t.name)
      const started = performance.now()
      await Promise.all(
        loaders.map(async (c) => {
          for (let t = queue.shift(); t; t = queue.shift()) await c.query(loadStatements.get(t)!)
        }),
      )
      const limitSeconds = (performance.now() - started) / 1000
      const targetCpu = cpuSeconds(target!.pid) - targetCpu0
      await Promise.all(loaders.map((c) => c.end()))
      await verify('LOAD DATA INFILE')
      results.push({
        method: 'LOAD DATA INFILE (limit)',
        seconds: limitSeconds,
        peakRssBytes: null,
        cpu: { tool: null, source: 0, target: targetCpu },
        note: 'server-side, 2 at a time, files pre-written',
      })
    }
    const runs = Number(arg('runs', '1'))
    // --methods mydumper,mysqldump,logical,physical,limit (default: all)
    const methods = new Set(arg('methods', 'mydumper,mysqldump,logical,physical,limit').split(','))
    for (let round = 1; round <= runs; round++) {
      if (runs > 1) process.stdout.write(`Round ${round} of ${runs}\n`)
      if (methods.has('mydumper'))
        await measure('mydumper + myloader', '-t 2, dump then load', async () => {
          const dir = join(work, 'mydumper')
          rmSync(dir, { recursive: true, force: true })
          const dump = await timed([
            {
              cmd: 'mydumper',
              args: [...longConn(source!), '--database', db, '--threads', '2', '--rows', '100000', '--outputdir', dir],
            },
          ])
          const load = await timed([
            {
              cmd: 'myloader',
              args: [...longConn(target!), '--directory', dir, '--threads', '2', '--overwrite-tables'],
            },
          ])
          return { seconds: dump.seconds + load.seconds, peak: Math.max(dump.peak, load.peak) }
        })
      if (methods.has('mysqldump'))
        await measure('mysqldump | mysql', '--single-transaction', async () =>
          timed([
            { cmd: 'mysqldump', args: [...conn(source!), '--single-transaction', '--databases', db] },
            { cmd: 'mysql', args: conn(target!) },
          ]),
        )
      const cutover = async (mode: 'logical' | 'physical', concurrency: number) => {
        const dir = mkdtempSync(join(work, `cutover-${mode}-`))
        const jobFile = join(dir, 'job.yaml')
        writeFileSync(
          jobFile,
          [
            `name: bench-${mode}`,
            `source: { host: ${source!.host}, port: ${source!.port}, user: ${source!.user} }`,
            `target: { host: ${target!.host}, port: ${target!.port}, user: ${target!.user} }`,
            'type: existing',
            `mode: ${mode}`,
            `objects: [${db}]`,
            `spec: { concurrency: ${concurrency}, exportMBps: 0 }`,
          ].join('\n'),
        )
        return timed(
          [
            {
              cmd: process.execPath,
              // BENCH_PROFILE_DIR=dir: a CPU profile of each Cutover run (open it in Chrome DevTools).
              args: [
                ...(process.env.BENCH_PROFILE_DIR
                  ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR]
                  : []),
                cli,
                'run',
                jobFile,
                '--store',
                join(dir, 'cutover.db'),
                '--accept-warnings',
                ...(process.env.BENCH_PROFILE_DIR ? ['--json'] : []),
              ],
              env: { CUTOVER_SOURCE_PASSWORD: source!.password, CUTOVER_TARGET_PASSWORD: target!.password },
            },
          ],
          process.env.BENCH_PROFILE_DIR ? join(process.env.BENCH_PROFILE_DIR, `${mode}.jsonl`) : undefined,
        )
      }
      const concurrency = Number(arg('concurrency', '4'))
      if (methods.has('logical'))
        await measure('Cutover logical', `concurrency ${concurrency}, incl. precheck`, () =>
          cutover('logical', concurrency),
        )
      if (methods.has('physical'))
        await measure('Cutover physical', `concurrency ${concurrency}, incl. precheck`, () =>
          cutover('physical', concurrency),
        )
      if (methods.has('limit')) await measureLimit()
    }

    await src.end()
    await tgt.end()

    // One line per method: the median over the rounds (each round's figure in the notes when there are several).
    const summary = [...new Set(results.map((r) => r.method))].map((method) => {
      const mine = results.filter((r) => r.method === method)
      const peaks = mine.map((r) => r.peakRssBytes).filter((p): p is number => p !== null)
      const tools = mine.map((r) => r.cpu.tool).filter((c): c is number => c !== null)
      return {
        method,
        seconds: median(mine.map((r) => r.seconds)),
        each: mine.map((r) => r.seconds.toFixed(1)).join(' / '),
        peakRssBytes: peaks.length ? Math.max(...peaks) : null,
        cpu: {
          tool: tools.length ? median(tools) : null,
          source: median(mine.map((r) => r.cpu.source)),
          target: median(mine.map((r) => r.cpu.target)),
        },
        note: mine[0]!.note,
      }
    })
    const base = summary.find((r) => r.method === 'mydumper + myloader')?.seconds
    const limit = summary.find((r) => r.method === 'LOAD DATA INFILE (limit)')?.seconds
    const mb = dataBytes / 1048576
    const header = [
      'method',
      'seconds',
      'rows/s',
      'MiB/s',
      'peak RSS',
      'CPU tool/src/tgt',
      '× mydumper',
      'vs limit',
      'notes',
    ]
    const rows = summary.map((r) => [
      r.method,
      r.seconds.toFixed(1),
      Math.round(totalRows / r.seconds).toLocaleString('en-US'),
      (mb / r.seconds).toFixed(1),
      r.peakRssBytes === null ? '-' : `${(r.peakRssBytes / 1048576).toFixed(0)} MiB`,
      `${r.cpu.tool === null ? '-' : r.cpu.tool.toFixed(1)} / ${r.cpu.source.toFixed(1)} / ${r.cpu.target.toFixed(1)}`,
      base === undefined ? '-' : (base / r.seconds).toFixed(2),
      limit === undefined ? '-' : `${((r.seconds / limit - 1) * 100).toFixed(0)} %`,
      runs > 1 ? `${r.note}; runs ${r.each}` : r.note,
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
    process.stdout.write(
      `\n${totalRows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MiB, scale ${scale}${runs > 1 ? `, median of ${runs} rounds` : ''}; buffer pool ${bufferPool}, redo log ${redo}; all targets verified by CHECKSUM TABLE.\n`,
    )
    for (const row of [header, ...rows])
      process.stdout.write(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`)
  } finally {
    await Promise.all([source?.stop(), target?.stop()])
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:full failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
