/**
 * `npm run bench:full [-- --scale N] [--target mariadb|tidb]`: the existing-data copy, measured against what a DBA
 * would otherwise do, on the same generated data in the same run, with Cutover's logical and physical modes:
 * - mydumper + myloader (-t 2) and `mysqldump | mysql` (into TiDB with the collation edit the dump needs, if any);
 * - into TiDB also dumpling + tidb-lightning (tidb backend: unistore has no PD/TiKV for the local one);
 * - the target's own limit: files written beforehand by the source and loaded two at a time — server-side
 *   LOAD DATA INFILE into MariaDB, client-side LOAD DATA LOCAL (the mysql client) into TiDB.
 * Every run is verified before its time counts: CHECKSUM TABLE on MariaDB; into TiDB (which has no CHECKSUM
 * TABLE) the row-by-row referee of tests/harness/tableComparison.ts, over ranges (rangeReferee.ts).
 */
import { spawn } from 'node:child_process'
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { targetCollation } from '../src/main/engine/schema/collationMapping'
import { startMariaDb } from '../tests/harness/mariadb'
import type { MariaDbServer } from '../tests/harness/mariadb'
import { createDataset } from './dataset'
import { cpuSeconds, exitedChildrenCpuSeconds, trackPeakRss } from './processPeak'
import { compareByRanges, splitTable, type TableRanges } from './rangeReferee'
import { startTarget, targetKindArg, type BenchServer } from './targetServer'

interface Measurement {
  method: string
  seconds: number
  peakRssBytes: number | null
  /** CPU seconds of the tool's own processes, the source mysqld and the target server during the run. */
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
const repoRoot = resolve(__dirname, '../..')
/** Rows per referee range and per pre-written file of the TiDB limit (about one Cutover chunk of `orders`). */
const rowsPerRange = 100_000

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

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

/** dumpling and tidb-lightning, built from tools/tidb by scripts/tidbTools.mjs when missing (minutes, once). */
async function tidbToolPaths(): Promise<{ dumpling: string; lightning: string }> {
  const out: string[] = []
  const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'tidbTools.mjs'), 'dumpling', 'tidb-lightning'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout.on('data', (d: Buffer) => out.push(d.toString()))
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  const [dumpling, lightning] = out.join('').trim().split('\n')
  if (code !== 0 || !dumpling || !lightning) throw new Error('dumpling / tidb-lightning are not available (see above)')
  return { dumpling, lightning }
}

/**
 * The sed edit a DBA makes before TiDB accepts a MariaDB dump: every collation of the database the target lacks,
 * renamed as Cutover's schema stage would (collationMapping.ts). Empty when the dump loads as it is.
 */
async function collationEdits(src: Connection, tgt: Connection): Promise<string[]> {
  const [used] = (await src.query(
    `SELECT DEFAULT_COLLATION_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?
     UNION SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
     UNION SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLLATION_NAME IS NOT NULL`,
    [db, db, db],
  )) as unknown as [{ c: string }[]]
  const [collations] = (await tgt.query('SHOW COLLATION')) as unknown as [{ Collation: string; Charset: string }[]]
  const [charsets] = (await tgt.query('SHOW CHARACTER SET')) as unknown as [
    { Charset: string; 'Default collation': string }[],
  ]
  const support = {
    collations: new Set(collations.map((r) => r.Collation.toLowerCase())),
    charsets: new Set(charsets.map((r) => r.Charset.toLowerCase())),
    defaultCollationByCharset: new Map(charsets.map((r) => [r.Charset.toLowerCase(), r['Default collation']])),
  }
  return used
    .map((r) => r.c.toLowerCase())
    .filter((c) => !support.collations.has(c))
    .map((c) => `s/\\b${c}\\b/${targetCollation(c, support, db)}/g`)
}

async function main(): Promise<void> {
  const kind = targetKindArg()
  const tidb = kind === 'tidb'
  const scale = Number(arg('scale', '1'))
  if (!(scale > 0)) throw new Error('--scale must be a positive number')
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-'))
  chmodSync(work, 0o777)
  // --methods (default: all the target has); dumpling + tidb-lightning only into TiDB.
  const allMethods = ['mydumper', ...(tidb ? ['dumpling'] : []), 'mysqldump', 'logical', 'physical', 'limit']
  const methods = new Set(arg('methods', allMethods.join(',')).split(','))
  for (const m of methods) if (!allMethods.includes(m)) throw new Error(`--methods: ${m} is not one of ${allMethods}`)
  const tools = tidb && methods.has('dumpling') ? await tidbToolPaths() : null
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
  let target: BenchServer | null = null
  try {
    ;[source, target] = await Promise.all([
      startMariaDb({
        name: 'bench-source',
        serverId: 11,
        binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' },
        extraArgs: serverArgs,
      }),
      startTarget(kind, { name: 'bench-target', serverId: 12, mariadbArgs: serverArgs }),
    ])
    const src = await source.connect()
    let tgt = await target.connect()
    const [[version]] = (await tgt.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]]
    process.stdout.write(`Target: ${tidb ? 'tidb-server (unistore)' : 'MariaDB'} ${version!.v}\n`)
    // --target-global name=value,…: target settings to try (e.g. tidb_txn_mode=optimistic), for every method.
    const targetGlobals = arg('target-global', '')
      .split(',')
      .filter((x) => x !== '')
    const setTargetGlobals = async () => {
      for (const setting of targetGlobals) {
        const [name, value] = setting.split('=')
        if (!name || value === undefined || !/^\w+$/.test(name))
          throw new Error(`--target-global: ${setting} is not name=value`)
        await tgt.query(`SET GLOBAL ${name} = ?`, [/^-?\d+$/.test(value) ? Number(value) : value])
      }
    }
    await setTargetGlobals()
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
    const expected = tidb ? [] : await checksums(src, names)
    const ranges: TableRanges[] = tidb ? await Promise.all(names.map((t) => splitTable(src, db, t, rowsPerRange))) : []
    const conn = (s: { host: string; port: number; user: string; password: string }) => [
      '-h',
      s.host,
      '-P',
      String(s.port),
      '-u',
      s.user,
      `-p${s.password}`,
    ]
    // mydumper's option parser takes `-pX` as two flags; long options are unambiguous.
    const longConn = (s: { host: string; port: number; user: string; password: string }) => [
      `--host=${s.host}`,
      `--port=${s.port}`,
      `--user=${s.user}`,
      `--password=${s.password}`,
    ]
    const resetTarget = async () => {
      if (tidb) {
        // A fresh tidb-server for each method: a dropped database stays in unistore's files until TiDB's GC
        // (10 min at the least) removes it, so the next load would pay for compacting the previous one's data.
        await tgt.end()
        await target!.stop()
        target = await startTarget(kind, { name: 'bench-target' })
        tgt = await target.connect()
        await setTargetGlobals()
        return
      }
      await tgt.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    const verify = async (method: string) => {
      if (tidb) {
        const started = performance.now()
        const r = await compareByRanges(src, tgt, db, ranges)
        if (r.difference !== null) throw new Error(`${method}: the target differs from the source: ${r.difference}`)
        if (r.rows !== totalRows)
          throw new Error(`${method}: the referee saw ${r.rows} rows, the source has ${totalRows}`)
        process.stdout.write(
          `  verified row by row (${r.rows} rows) in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
        )
        return
      }
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
    // (together under 5 % of a core for half a second; 15 s at most, 30 s for TiDB, which idles at ~3 %).
    const settle = async () => {
      const dirty = async () => {
        const [rows] = (await tgt.query(
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_pages_dirty', 'Innodb_checkpoint_age')",
        )) as unknown as [{ Variable_name: string; Value: string }[]]
        return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]))
      }
      // TiDB has no InnoDB pages to flush: unistore writes its own LSM files.
      if (!tidb) {
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
      }
      const busy = () => cpuSeconds(source!.pid) + cpuSeconds(target!.pid)
      let quiet = 0
      for (let waited = 0, last = busy(); quiet < 2 && waited < (tidb ? 30_000 : 15_000); waited += 250) {
        await new Promise((r) => setTimeout(r, 250))
        const now = busy()
        quiet = now - last < 0.0125 ? quiet + 1 : 0
        last = now
      }
    }
    const loads: string[] = []
    const measure = async (
      method: string,
      note: string,
      run: () => Promise<{ seconds: number; peak: number | null }>,
    ) => {
      await resetTarget()
      await settle()
      loads.push(loadAverage())
      process.stdout.write(`Measuring ${method}… (load average ${loads[loads.length - 1]})\n`)
      const cpu0 = cpuNow()
      const r = await run()
      const cpu1 = cpuNow()
      await verify(method)
      const cpu = { tool: cpu1.tool - cpu0.tool, source: cpu1.source - cpu0.source, target: cpu1.target - cpu0.target }
      results.push({ method, seconds: r.seconds, peakRssBytes: r.peak, cpu, note })
      process.stdout.write(
        `  ${r.seconds.toFixed(1)} s (CPU: tool ${cpu.tool.toFixed(1)} s, source mysqld ${cpu.source.toFixed(1)} s, target ${cpu.target.toFixed(1)} s)\n`,
      )
    }

    // The target's own limit: files written beforehand by the source, loaded two at a time. Into MariaDB one
    // file per table, read by the server itself; into TiDB one file per referee range (a LOAD DATA is one
    // transaction there), sent by the mysql client.
    const outDir = join(work, 'outfile')
    rmSync(outDir, { recursive: true, force: true })
    mkdirSync(outDir)
    chmodSync(outDir, 0o777)
    const loadStatements: { table: string; rows: number; sql: string }[] = []
    if (methods.has('limit')) {
      for (const t of tables) {
        const [cols] = (await src.query(
          'SELECT COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [db, t.name],
        )) as unknown as [{ c: string; d: string }[]]
        // BIT goes out as its number: INTO OUTFILE writes its raw byte unescaped, which can be a tab.
        const select = cols.map((x) => (x.d === 'bit' ? `CAST(\`${x.c}\` AS UNSIGNED)` : `\`${x.c}\``)).join(', ')
        const targets = cols.map((x, i) => (x.d === 'bit' ? `@v${i}` : `\`${x.c}\``)).join(', ')
        const sets = cols.flatMap((x, i) => (x.d === 'bit' ? [`\`${x.c}\` = CAST(@v${i} AS UNSIGNED)`] : [])).join(', ')
        const pieces = tidb ? ranges.find((r) => r.table === t.name)!.conditions : ['1 = 1']
        for (const [i, where] of pieces.entries()) {
          const file = join(outDir, `${t.name}.${i}.tsv`)
          await src.query(`SELECT ${select} INTO OUTFILE '${file}' FROM \`${db}\`.\`${t.name}\` WHERE ${where}`)
          loadStatements.push({
            table: t.name,
            rows: t.rows / pieces.length,
            sql: `LOAD DATA ${tidb ? 'LOCAL ' : ''}INFILE '${file}' INTO TABLE \`${t.name}\` (${targets})${sets ? ` SET ${sets}` : ''}`,
          })
        }
      }
    }
    const measureLimit = async () => {
      const method = tidb ? 'LOAD DATA LOCAL (limit)' : 'LOAD DATA INFILE (limit)'
      await resetTarget()
      await timed([
        { cmd: 'mysqldump', args: [...conn(source!), '--no-data', '--databases', db] },
        { cmd: 'mysql', args: conn(target!) },
      ])
      await settle()
      loads.push(loadAverage())
      process.stdout.write(`Measuring ${method}… (load average ${loads[loads.length - 1]})\n`)
      const cpu0 = cpuNow()
      const queue = [...loadStatements].sort((a, b) => b.rows - a.rows)
      const started = performance.now()
      let peak = 0
      if (tidb) {
        // The C client, one process per file: its cost is the tool's, the rest the server's.
        await Promise.all(
          [0, 1].map(async () => {
            for (let s = queue.shift(); s; s = queue.shift()) {
              const r = await timed([{ cmd: 'mysql', args: [...conn(target!), '--local-infile=1', db, '-e', s.sql] }])
              peak = Math.max(peak, r.peak)
            }
          }),
        )
      } else {
        const loaders = await Promise.all([target!.connect(db), target!.connect(db)])
        await Promise.all(
          loaders.map(async (c) => {
            for (let s = queue.shift(); s; s = queue.shift()) await c.query(s.sql)
          }),
        )
        await Promise.all(loaders.map((c) => c.end()))
      }
      const seconds = (performance.now() - started) / 1000
      const cpu1 = cpuNow()
      await verify(method)
      results.push({
        method,
        seconds,
        peakRssBytes: tidb ? peak : null,
        cpu: { tool: tidb ? cpu1.tool - cpu0.tool : null, source: 0, target: cpu1.target - cpu0.target },
        note: tidb
          ? `mysql client, 2 at a time, ${loadStatements.length} files pre-written`
          : 'server-side, 2 at a time, files pre-written',
      })
      process.stdout.write(`  ${seconds.toFixed(1)} s (CPU: target ${(cpu1.target - cpu0.target).toFixed(1)} s)\n`)
    }

    const mysqldumpEdits = tidb ? await collationEdits(src, tgt) : []
    const concurrencies = arg('concurrency', '4').split(',').map(Number)
    const deferIndexes = arg('defer-indexes', 'auto')
      .split(',')
      .map((v): boolean | 'auto' => (v === 'on' ? true : v === 'off' ? false : 'auto'))
    // --analyze auto|on|off: whether Cutover's copy ends with ANALYZE TABLE. Into TiDB 'off' by default, like
    // every other method (auto-analyze is off here, so the job's 'auto' would run it: 4-44 s per table of TiDB time).
    const analyzeArg = arg('analyze', tidb ? 'off' : 'auto')
    const analyze = analyzeArg === 'on' ? 'true' : analyzeArg === 'off' ? 'false' : 'auto'
    const variants = concurrencies.flatMap((concurrency) => deferIndexes.map((defer) => ({ concurrency, defer })))
    const cutover = async (
      mode: 'logical' | 'physical',
      concurrency: number,
      defer: boolean | 'auto',
      label: string,
    ) => {
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
          `spec: { concurrency: ${concurrency}, exportMBps: 0, deferIndexes: ${defer}, analyze: ${analyze} }`,
        ].join('\n'),
      )
      return timed(
        [
          {
            cmd: process.execPath,
            // BENCH_PROFILE_DIR=dir: a CPU profile of each Cutover run (open it in Chrome DevTools).
            args: [
              ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : []),
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
        process.env.BENCH_PROFILE_DIR ? join(process.env.BENCH_PROFILE_DIR, `${label}.jsonl`) : undefined,
      )
    }
    const runs = Number(arg('runs', '1'))
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
      if (tools && methods.has('dumpling'))
        await measure('dumpling + tidb-lightning', '-t 2 -r 100000; tidb backend, dump then load', async () => {
          const dir = join(work, 'dumpling')
          rmSync(dir, { recursive: true, force: true })
          const dump = await timed([
            {
              cmd: tools.dumpling,
              args: [
                ...['-h', source!.host, '-P', String(source!.port), '-u', source!.user, '-p', source!.password],
                ...['-B', db, '-t', '2', '-r', '100000', '-F', '64MiB', '--filetype', 'sql', '-o', dir],
                ...['-L', join(work, 'dumpling.log')],
              ],
            },
          ])
          const config = join(work, 'lightning.toml')
          // Checksum and ANALYZE are local-backend steps; the tidb backend writes through SQL and skips them.
          writeFileSync(
            config,
            [
              '[lightning]',
              'check-requirements = false',
              'status-addr = "127.0.0.1:0"',
              '[checkpoint]',
              'enable = false',
              '[tikv-importer]',
              'backend = "tidb"',
              '[mydumper]',
              `data-source-dir = ${JSON.stringify(dir)}`,
              '[tidb]',
              `host = ${JSON.stringify(target!.host)}`,
              `port = ${target!.port}`,
              `user = ${JSON.stringify(target!.user)}`,
              `password = ${JSON.stringify(target!.password)}`,
              `status-port = ${target!.statusPort}`,
              '[post-restore]',
              'checksum = "off"',
              'analyze = "off"',
              '',
            ].join('\n'),
          )
          const load = await timed([
            {
              cmd: tools.lightning,
              args: ['-config', config, '-L', 'warn', '--log-file', join(work, 'lightning.log')],
            },
          ])
          return { seconds: dump.seconds + load.seconds, peak: Math.max(dump.peak, load.peak) }
        })
      if (methods.has('mysqldump'))
        await measure(
          'mysqldump | mysql',
          `--single-transaction${tidb ? (mysqldumpEdits.length ? `; sed ${mysqldumpEdits.join('; ')}` : '; no edit needed') : ''}`,
          async () =>
            timed([
              { cmd: 'mysqldump', args: [...conn(source!), '--single-transaction', '--databases', db] },
              ...(mysqldumpEdits.length ? [{ cmd: 'sed', args: mysqldumpEdits.flatMap((e) => ['-e', e]) }] : []),
              { cmd: 'mysql', args: conn(target!) },
            ]),
        )
      for (const mode of ['logical', 'physical'] as const) {
        if (!methods.has(mode)) continue
        for (const v of variants) {
          const label =
            variants.length > 1
              ? `Cutover ${mode} (c${v.concurrency}, defer ${v.defer === 'auto' ? 'auto' : v.defer ? 'on' : 'off'})`
              : `Cutover ${mode}`
          await measure(
            label,
            `concurrency ${v.concurrency}, deferIndexes ${v.defer === 'auto' ? 'auto' : v.defer ? 'on' : 'off'}, analyze ${analyzeArg}, incl. precheck`,
            () => cutover(mode, v.concurrency, v.defer, label.replace(/[^A-Za-z0-9]+/g, '-')),
          )
        }
      }
      if (methods.has('limit')) await measureLimit()
    }

    await src.end()
    await tgt.end()

    // One line per method: the median over the rounds (each round's figure in the notes when there are several).
    const summary = [...new Set(results.map((r) => r.method))].map((method) => {
      const mine = results.filter((r) => r.method === method)
      const peaks = mine.map((r) => r.peakRssBytes).filter((p): p is number => p !== null)
      const toolCpu = mine.map((r) => r.cpu.tool).filter((c): c is number => c !== null)
      return {
        method,
        seconds: median(mine.map((r) => r.seconds)),
        each: mine.map((r) => r.seconds.toFixed(1)).join(' / '),
        peakRssBytes: peaks.length ? Math.max(...peaks) : null,
        cpu: {
          tool: toolCpu.length ? median(toolCpu) : null,
          source: median(mine.map((r) => r.cpu.source)),
          target: median(mine.map((r) => r.cpu.target)),
        },
        note: mine[0]!.note,
      }
    })
    const base = summary.find((r) => r.method === 'mydumper + myloader')?.seconds
    const limit = summary.find((r) => r.method.startsWith('LOAD DATA'))?.seconds
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
    const servers = tidb
      ? `source buffer pool ${bufferPool}, redo log ${redo}; target tidb-server ${version!.v} (unistore, auto-analyze off); all targets verified row by row (tests/harness/tableComparison.ts)`
      : `buffer pool ${bufferPool}, redo log ${redo}; all targets verified by CHECKSUM TABLE`
    const settings = targetGlobals.length ? `; target SET GLOBAL ${targetGlobals.join(', ')}` : ''
    process.stdout.write(
      `\n${totalRows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MiB, scale ${scale}${runs > 1 ? `, median of ${runs} rounds` : ''}; ${servers}${settings}.\n`,
    )
    process.stdout.write(`1-minute load average before each method: ${loads.map((l) => l.split(' ')[0]).join(', ')}\n`)
    for (const row of [header, ...rows])
      process.stdout.write(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`)
    if (tidb)
      process.stdout.write(
        '\nTargets: Cutover logical ≥ 1.2× mydumper + myloader; Cutover physical within 1.2× the limit (≤ +20 %); peak RSS ≤ 512 MB.\n',
      )
  } finally {
    await Promise.all([source?.stop(), target?.stop()])
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:full failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
