/**
 * `npm run bench:full [-- --scale N]`: the existing-data copy, measured against what a DBA would otherwise do,
 * on the same generated data in the same run — mydumper + myloader (-t 2), mysqldump | mysql, and the target's
 * own limit (server-side LOAD DATA INFILE of pre-written files, two at a time) — with Cutover's logical and
 * physical modes. Every Cutover run ends with CHECKSUM TABLE equal on all tables, or the bench fails.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { startMariaDb } from '../tests/harness/mariadb'
import type { MariaDbServer } from '../tests/harness/mariadb'
import { createDataset } from './dataset'
import { trackPeakRss } from './processPeak'

interface Measurement {
  method: string
  seconds: number
  peakRssBytes: number | null
  note: string
}

const db = 'bench'
const cli = resolve(__dirname, '../cli/cutover.js')

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

/** Runs commands (a pipeline when several), returning wall time and the largest peak RSS among them. */
async function timed(commands: { cmd: string; args: string[]; env?: Record<string, string> }[]): Promise<{ seconds: number; peak: number }> {
  const started = performance.now()
  const children = commands.map((c) => spawn(c.cmd, c.args, { env: { ...process.env, ...c.env }, stdio: ['pipe', 'pipe', 'pipe'] }))
  children.forEach((child, i) => {
    const next = children[i + 1]
    if (next) child.stdout!.pipe(next.stdin!)
    else child.stdout!.resume()
    if (i === 0) child.stdin!.end()
  })
  const trackers = children.map((c) => trackPeakRss(c))
  const errors: string[] = []
  children.forEach((c) => c.stderr!.on('data', (d: Buffer) => errors.push(d.toString())))
  const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.once('exit', r))))
  trackers.forEach((t) => t.stop())
  if (codes.some((code) => code !== 0)) {
    throw new Error(`${commands.map((c) => c.cmd).join(' | ')} failed (${codes.join(', ')}):\n${errors.join('').slice(-2000)}`)
  }
  return { seconds: (performance.now() - started) / 1000, peak: trackers.reduce((n, t) => n + t.peakBytes(), 0) }
}

async function checksums(c: Connection, tables: string[]): Promise<string[]> {
  const [rows] = (await c.query(`CHECKSUM TABLE ${tables.map((t) => `\`${db}\`.\`${t}\``).join(', ')}`)) as unknown as [{ Checksum: string }[]]
  return rows.map((r) => String(r.Checksum))
}

async function main(): Promise<void> {
  const scale = Number(arg('scale', '1'))
  if (!(scale > 0)) throw new Error('--scale must be a positive number')
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-'))
  chmodSync(work, 0o777)
  // Same server settings for every method; a buffer pool that holds the data, as a production box would.
  const serverArgs = ['--innodb-buffer-pool-size=1G', '--innodb-log-file-size=256M', '--max-allowed-packet=64M', '--secure-file-priv=']
  let source: MariaDbServer | null = null
  let target: MariaDbServer | null = null
  try {
    ;[source, target] = await Promise.all([
      startMariaDb({ name: 'bench-source', serverId: 11, binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' }, extraArgs: serverArgs }),
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
    process.stdout.write(`${totalRows} rows, ${(dataBytes / 1048576).toFixed(0)} MiB of table data in ${tables.length} tables.\n`)
    const names = tables.map((t) => t.name)
    const expected = await checksums(src, names)
    const conn = (s: MariaDbServer) => ['-h', s.host, '-P', String(s.port), '-u', s.user, `-p${s.password}`]
    // mydumper's option parser takes `-pX` as two flags; long options are unambiguous.
    const longConn = (s: MariaDbServer) => [`--host=${s.host}`, `--port=${s.port}`, `--user=${s.user}`, `--password=${s.password}`]
    const resetTarget = async () => {
      await tgt.query(`DROP DATABASE IF EXISTS \`${db}\``)
    }
    const verify = async (method: string) => {
      const got = await checksums(tgt, names)
      if (got.join() !== expected.join()) throw new Error(`${method}: target checksums ${got.join()} differ from the source's ${expected.join()}`)
    }
    const results: Measurement[] = []
    const measure = async (method: string, note: string, run: () => Promise<{ seconds: number; peak: number | null }>) => {
      await resetTarget()
      process.stdout.write(`Measuring ${method}…\n`)
      const r = await run()
      await verify(method)
      results.push({ method, seconds: r.seconds, peakRssBytes: r.peak, note })
      process.stdout.write(`  ${r.seconds.toFixed(1)} s\n`)
    }

    await measure('mydumper + myloader', '-t 2, dump then load', async () => {
      const dir = join(work, 'mydumper')
      rmSync(dir, { recursive: true, force: true })
      const dump = await timed([{ cmd: 'mydumper', args: [...longConn(source!), '--database', db, '--threads', '2', '--rows', '100000', '--outputdir', dir] }])
      const load = await timed([{ cmd: 'myloader', args: [...longConn(target!), '--directory', dir, '--threads', '2', '--overwrite-tables'] }])
      return { seconds: dump.seconds + load.seconds, peak: Math.max(dump.peak, load.peak) }
    })
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
      return timed([
        {
          cmd: process.execPath,
          args: [cli, 'run', jobFile, '--store', join(dir, 'cutover.db'), '--accept-warnings'],
          env: { CUTOVER_SOURCE_PASSWORD: source!.password, CUTOVER_TARGET_PASSWORD: target!.password },
        },
      ])
    }
    const concurrency = Number(arg('concurrency', '4'))
    await measure('Cutover logical', `concurrency ${concurrency}, incl. precheck`, () => cutover('logical', concurrency))
    await measure('Cutover physical', `concurrency ${concurrency}, incl. precheck`, () => cutover('physical', concurrency))

    // The target's own limit: files written beforehand by the source, loaded server-side two at a time.
    await resetTarget()
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
      await src.query(`SELECT ${cols.map((x) => (x.d === 'bit' ? `CAST(\`${x.c}\` AS UNSIGNED)` : `\`${x.c}\``)).join(', ')} INTO OUTFILE '${file}' FROM \`${db}\`.\`${t}\``)
      const targets = cols.map((x, i) => (x.d === 'bit' ? `@v${i}` : `\`${x.c}\``)).join(', ')
      const sets = cols.flatMap((x, i) => (x.d === 'bit' ? [`\`${x.c}\` = CAST(@v${i} AS UNSIGNED)`] : [])).join(', ')
      loadStatements.set(t, `LOAD DATA INFILE '${file}' INTO TABLE \`${t}\` (${targets})${sets ? ` SET ${sets}` : ''}`)
    }
    const schema = await timed([
      { cmd: 'mysqldump', args: [...conn(source!), '--no-data', '--databases', db] },
      { cmd: 'mysql', args: conn(target!) },
    ])
    void schema
    process.stdout.write('Measuring LOAD DATA INFILE limit…\n')
    const loaders = await Promise.all([target.connect(db), target.connect(db)])
    const queue = [...tables].sort((a, b) => b.rows - a.rows).map((t) => t.name)
    const started = performance.now()
    await Promise.all(
      loaders.map(async (c) => {
        for (let t = queue.shift(); t; t = queue.shift()) await c.query(loadStatements.get(t)!)
      }),
    )
    const limitSeconds = (performance.now() - started) / 1000
    await Promise.all(loaders.map((c) => c.end()))
    await verify('LOAD DATA INFILE')
    results.push({ method: 'LOAD DATA INFILE (limit)', seconds: limitSeconds, peakRssBytes: null, note: 'server-side, 2 at a time, files pre-written' })

    await src.end()
    await tgt.end()

    const base = results.find((r) => r.method === 'mydumper + myloader')!.seconds
    const limit = limitSeconds
    const mb = dataBytes / 1048576
    const header = ['method', 'seconds', 'rows/s', 'MiB/s', 'peak RSS', '× mydumper', 'vs limit', 'notes']
    const rows = results.map((r) => [
      r.method,
      r.seconds.toFixed(1),
      Math.round(totalRows / r.seconds).toLocaleString('en-US'),
      (mb / r.seconds).toFixed(1),
      r.peakRssBytes === null ? '-' : `${(r.peakRssBytes / 1048576).toFixed(0)} MiB`,
      (base / r.seconds).toFixed(2),
      `${((r.seconds / limit - 1) * 100).toFixed(0)} %`,
      r.note,
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
    process.stdout.write(`\n${totalRows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MiB, scale ${scale}; all targets verified by CHECKSUM TABLE.\n`)
    for (const row of [header, ...rows]) process.stdout.write(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`)
  } finally {
    await Promise.all([source?.stop(), target?.stop()])
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:full failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
