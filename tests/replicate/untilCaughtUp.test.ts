/**
 * `cutover run --until-caught-up` on a `both` job: copies the existing data, replicates what was written
 * meanwhile, and exits 0 once lag reached 0 — with the target equal to the source.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'

const cli = resolve(__dirname, '../../out/cli/cutover.js')
const db = uniqueName('caught')
const dir = mkdtempSync(join(tmpdir(), 'cutover-caught-'))
let source: Connection
let target: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(40))`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, CONCAT('v', seq) FROM \`${db}\`.seq_1_to_20000`)
})
afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  rmSync(dir, { recursive: true, force: true })
})

it('exits 0 once caught up, with every change applied', async () => {
  const s = sourceServer()
  const t = targetServer()
  const jobFile = join(dir, 'job.yaml')
  writeFileSync(
    jobFile,
    [
      'name: until-caught-up',
      `source: { host: 127.0.0.1, port: ${s.port}, user: ${s.user} }`,
      `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
      'type: both',
      `objects: [${db}]`,
    ].join('\n'),
  )
  const child = spawn(process.execPath, [cli, 'run', jobFile, '--store', join(dir, 'c.db'), '--accept-warnings', '--until-caught-up', '--json'], {
    env: { ...process.env, CUTOVER_SOURCE_PASSWORD: s.password, CUTOVER_TARGET_PASSWORD: t.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  // Writes right after the snapshot opened: they are not in the copy and must arrive through the binlog.
  // Three set-based statements finish long before the copy does, so none can land after the catch-up.
  await new Promise<void>((resolveWhenOpen, reject) => {
    const timer = setTimeout(() => reject(new Error(`no snapshot in 60 s:\n${output}`)), 60_000)
    const check = () => {
      if (!output.includes('SNAPSHOT_OPENED')) return
      clearTimeout(timer)
      child.stdout.off('data', check)
      resolveWhenOpen()
    }
    child.stdout.on('data', check)
  })
  await source.query(`UPDATE \`${db}\`.t SET v = CONCAT('changed ', id) WHERE id % 97 = 1`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, CONCAT('new ', seq) FROM \`${db}\`.seq_100000_to_100199`)
  await source.query(`DELETE FROM \`${db}\`.t WHERE id % 1000 = 5`)
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  expect(code, output).toBe(0)
  const results = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; status?: string })
  expect(results.at(-1)).toMatchObject({ type: 'result', status: 'caught-up' })
  // Anything written after the moment it caught up is not expected on the target; nothing was, here.
  const diff = await compareTable(source, target, db, 't')
  expect(diff.firstDifference).toBeNull()
  expect(diff.targetChecksum).toBe(diff.sourceChecksum)
}, 180_000)
