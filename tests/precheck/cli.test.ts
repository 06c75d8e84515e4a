/**
 * `cutover precheck` end to end: the built binary (out/cli/cutover.js, from `npm run build`) against a
 * misconfigured source; then each failed item's own fix is applied and the precheck passes.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { precheckCommand } from '../../src/main/cli/commands/precheck'
import { startMariaDb, targetServer, type MariaDbServer } from '../harness/servers'

const binary = resolve(__dirname, '../../out/cli/cutover.js')

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The built binary when present; otherwise the same command function in-process, so the suite still runs. */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  if (existsSync(binary)) {
    return new Promise((done) => {
      execFile(process.execPath, [binary, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
      })
    })
  }
  let stdout = ''
  let stderr = ''
  const [, path, ...flags] = args
  const options = { json: flags.includes('--json'), report: flags.includes('--report') ? flags[flags.indexOf('--report') + 1] : undefined, store: env['CUTOVER_STORE'] }
  return precheckCommand(path!, options, { out: (t) => (stdout += t), err: (t) => (stderr += t), interactive: false, env }).then((code) => ({ code, stdout, stderr }))
}

describe('cutover precheck (CLI)', () => {
  let source: MariaDbServer
  let dir: string
  let jobPath: string
  let env: Record<string, string>

  beforeAll(async () => {
    source = await startMariaDb({ name: 'precheck-cli', binlog: { format: 'STATEMENT', rowImage: 'MINIMAL', rowMetadata: 'FULL' } })
    await source.query('CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY); CREATE TABLE shop.audit_log (at DATETIME, line TEXT)')
    dir = await mkdtemp(join(tmpdir(), 'cutover-precheck-cli-'))
    jobPath = join(dir, 'job.yaml')
    const target = targetServer()
    await writeFile(
      jobPath,
      `name: cli-precheck
type: both
source:
  host: ${source.host}
  port: ${source.port}
  user: ${source.user}
target:
  host: ${target.host}
  port: ${target.port}
  user: ${target.user}
objects: [shop]
`,
    )
    // Passwords only from the environment: the file has none, and no terminal is attached.
    env = { CUTOVER_SOURCE_PASSWORD: source.password, CUTOVER_TARGET_PASSWORD: target.password, CUTOVER_STORE: join(dir, 'none.db') }
  })

  afterAll(async () => {
    await source?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('lists exactly the failing items, and they pass once their fixes are applied', async () => {
    const first = await cli(['precheck', jobPath, '--json'], env)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(1)
    const report = JSON.parse(first.stdout) as { items: { id: string; status: string; message: string; fix: string }[]; summary: Record<string, number> }
    expect(Object.keys(report)).toEqual(['items', 'summary'])
    expect(Object.keys(report.items[0]!)).toEqual(['id', 'status', 'message', 'fix'])
    const failed = report.items.filter((i) => i.status === 'failed')
    expect(failed.map((i) => i.id).sort()).toEqual(['binlog_format', 'binlog_row_image'])
    expect(report.summary.failed).toBe(2)
    const schema = report.items.find((i) => i.id === 'table_schema')!
    expect(schema).toMatchObject({ status: 'warning', message: expect.stringContaining('shop.audit_log') })

    for (const item of failed) {
      const statements = item.fix.split('\n').filter((line) => line.startsWith('SET GLOBAL'))
      expect(statements.length).toBeGreaterThan(0)
      for (const statement of statements) await source.query(statement)
    }
    // The warning's fix is an exact statement too.
    for (const statement of schema.fix.split('\n').filter((l) => l.startsWith('ALTER TABLE'))) await source.query(statement)

    const second = await cli(['precheck', jobPath, '--json'], env)
    expect(second.code).toBe(0)
    const after = JSON.parse(second.stdout) as typeof report
    for (const id of ['binlog_format', 'binlog_row_image', 'table_schema']) {
      expect(after.items.find((i) => i.id === id)?.status).toBe('pass')
    }
    expect(after.summary.failed).toBe(0)
  })

  it('prints a readable table and writes a self-contained HTML report', async () => {
    const reportPath = join(dir, 'report.html')
    const result = await cli(['precheck', jobPath, '--report', reportPath], env)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^STATUS\s+ID\s+MESSAGE$/m)
    expect(result.stdout).toMatch(/^PASS\s+binlog_format\s+binlog_format = ROW\.$/m)
    expect(result.stdout).toMatch(/^WARNING\s+binlog_annotate_row_events\s+/m)
    expect(result.stdout).toMatch(/^\s+fix: SET GLOBAL binlog_annotate_row_events = OFF;$/m)
    const html = await readFile(reportPath, 'utf8')
    expect(html).toMatch(/^<!DOCTYPE html>/)
    expect(html).toContain('cli-precheck')
    expect(html).toContain(`${source.user}@${source.host}:${source.port}`)
    expect(html).toContain('10.11')
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i)
    expect(html).not.toContain(source.password)
    expect(html).not.toContain(targetServer().password)
  })

  it('exits 2 with the reason when the file is invalid or a server is unreachable', async () => {
    const badPath = join(dir, 'bad.yaml')
    await writeFile(badPath, (await readFile(jobPath, 'utf8')).replace(/port: \d+/, 'port: lots'))
    const bad = await cli(['precheck', badPath, '--json'], env)
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/bad\.yaml:5: source\.port: expected a number/)

    const downPath = join(dir, 'down.yaml')
    await writeFile(downPath, (await readFile(jobPath, 'utf8')).replace(`port: ${source.port}`, 'port: 1'))
    const down = await cli(['precheck', downPath], env)
    expect(down.code).toBe(2)
    expect(down.stderr).toMatch(/^cutover: .*127\.0\.0\.1/)
    expect(down.stderr).not.toContain(source.password)
  })
})
