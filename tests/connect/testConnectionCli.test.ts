/**
 * `cutover test-connection` over a job file pointing at the harness servers: exit codes 0 / 1 / 2, ✓ / ✗ lines
 * with the fix, JSON output, and passwords (taken from the environment) never printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTestConnection } from '../../src/main/cli/commands/testConnection'
import { buildProgram } from '../../src/main/cli/program'
import { sourceServer, targetServer } from '../harness/servers'

let dir = ''
const saved = { source: process.env.CUTOVER_SOURCE_PASSWORD, target: process.env.CUTOVER_TARGET_PASSWORD }

function jobFile(name: string, targetPort: number): string {
  const source = sourceServer()
  const target = targetServer()
  const path = join(dir, name)
  writeFileSync(
    path,
    [
      'name: cli-test',
      'source:',
      `  host: ${source.host}`,
      `  port: ${source.port}`,
      `  user: ${source.user}`,
      'target:',
      `  host: ${target.host}`,
      `  port: ${targetPort}`,
      `  user: ${target.user}`,
      '  tls:',
      '    mode: off',
      '',
    ].join('\n'),
  )
  return path
}

async function run(
  path: string,
  options: { json?: boolean; side?: string },
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runTestConnection(path, options, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-cli-'))
  process.env.CUTOVER_SOURCE_PASSWORD = sourceServer().password
  process.env.CUTOVER_TARGET_PASSWORD = targetServer().password
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  for (const [side, value] of Object.entries(saved)) {
    const name = `CUTOVER_${side.toUpperCase()}_PASSWORD`
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

describe('cutover test-connection', () => {
  it('is registered on the program', () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('test-connection')
  })

  it('exit 0 with ✓ for every hop of both sides; passwords from the environment are not printed', async () => {
    const { code, out } = await run(jobFile('ok.yaml', targetServer().port), {})
    expect(code).toBe(0)
    expect(out).toMatch(/^Source {2}harness@127\.0\.0\.1:\d+/m)
    expect(out).toMatch(/✓ binlog/)
    expect(out).toMatch(/Target OK\./)
    expect(out).not.toContain('✗')
    expect(out).not.toContain(sourceServer().password)
    expect(out).not.toContain(targetServer().password)
  })

  it('exit 1 with ✗, the fix and the code when a hop fails; --json carries the same', async () => {
    const path = jobFile('refused.yaml', 1)
    const human = await run(path, { side: 'target' })
    expect(human.code).toBe(1)
    expect(human.out).toMatch(/✗ tcp +Nothing accepts connections at 127\.0\.0\.1:1/)
    expect(human.out).toMatch(/Fix: Check the port/)
    expect(human.out).toMatch(/Code: CONN_REFUSED/)
    expect(human.out).not.toContain('Source')

    const json = await run(path, { json: true })
    expect(json.code).toBe(1)
    const parsed = JSON.parse(json.out) as { ok: boolean; source: { ok: boolean }; target: { error: { code: string } } }
    expect(parsed.ok).toBe(false)
    expect(parsed.source.ok).toBe(true)
    expect(parsed.target.error.code).toBe('CONN_REFUSED')
    expect(json.out).not.toContain(sourceServer().password)
  })

  it('exit 2 for a bad --side or a bad job file, naming the line', async () => {
    expect((await run(jobFile('x.yaml', 1), { side: 'sideways' })).code).toBe(2)
    const broken = join(dir, 'broken.yaml')
    writeFileSync(
      broken,
      'name: cli-test\nsource:\n  host: 127.0.0.1\n  port: "three"\n  user: u\ntarget:\n  host: h\n  user: u\n',
    )
    const result = await run(broken, {})
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/broken\.yaml:4: source\.port/)
    expect((await run(join(dir, 'missing.yaml'), {})).code).toBe(2)
  })
})
