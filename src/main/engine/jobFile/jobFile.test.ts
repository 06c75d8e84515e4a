import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CutoverError } from '../../../shared/domain/errors'
import { loadJobFile, parseJobFile } from './jobFile'

const good = `# a complete job
name: shop-to-tidb
type: incremental
mode: logical
source:
  host: 127.0.0.1
  port: 3306
  user: migrator
target:
  host: tidb.example.com
  user: root
  tls:
    mode: verify-identity
objects:
  - shop
  - crm.customers
start:
  file: mysql-bin.000012
  position: 4711
`

function problems(text: string, env: Record<string, string | undefined> = {}): string[] {
  try {
    parseJobFile(text, 'job.yaml', { env })
  } catch (error) {
    expect(error).toBeInstanceOf(CutoverError)
    expect((error as CutoverError).code).toBe('JOBFILE_INVALID')
    return (error as CutoverError).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
  }
  throw new Error('expected the file to be rejected')
}

describe('parseJobFile', () => {
  it('parses a good file and fills defaults', () => {
    const config = parseJobFile(good, 'job.yaml', { env: {} })
    expect(config).toMatchObject({
      name: 'shop-to-tidb',
      type: 'incremental',
      source: { host: '127.0.0.1', port: 3306, user: 'migrator', tls: { mode: 'off' }, ssh: null },
      target: { host: 'tidb.example.com', port: 4000, tls: { mode: 'verify-identity' } },
      objects: ['shop', 'crm.customers'],
      start: { file: 'mysql-bin.000012', position: 4711 },
      spec: { concurrency: 4, exportMBps: 0 },
    })
    expect(config.source.password).toBeUndefined()
  })

  it('takes passwords from the file first, then from the environment', () => {
    const withFilePassword = good.replace('  user: migrator\n', '  user: migrator\n  password: from-file\n')
    const env = { CUTOVER_SOURCE_PASSWORD: 'from-env-s', CUTOVER_TARGET_PASSWORD: 'from-env-t' }
    const config = parseJobFile(withFilePassword, 'job.yaml', { env })
    expect(config.source.password).toBe('from-file')
    expect(config.target.password).toBe('from-env-t')
    // `password:` left empty means "not written here".
    const empty = good.replace('  user: migrator\n', '  user: migrator\n  password:\n')
    expect(parseJobFile(empty, 'job.yaml', { env }).source.password).toBe('from-env-s')
    expect(parseJobFile(good, 'job.yaml', { env: {} }).target.password).toBeUndefined()
  })

  it('names the line and field of every problem at once', () => {
    const bad = good
      .replace('  port: 3306', '  port: "three"')
      .replace('type: incremental', 'type: everything')
      .replace('  user: root\n', '  user: root\n  colour: blue\n')
      .replace('  position: 4711', '  position: 1')
    expect(problems(bad)).toEqual([
      'job.yaml:3: type: expected one of "existing", "incremental", "both"',
      'job.yaml:7: source.port: expected a number',
      'job.yaml:12: target.colour: unknown field (check its spelling and indentation)',
      'job.yaml:20: start.position: must be at least 4',
    ])
  })

  it('points a missing field at its parent and reports list entries by index', () => {
    const bad = good.replace('  host: 127.0.0.1\n', '').replace('  - crm.customers', '  - "crm.customers.extra"')
    expect(problems(bad)).toEqual([
      'job.yaml:5: source.host: is required',
      'job.yaml:15: objects[1]: use db or db.table',
    ])
  })

  it('refuses system schemas in objects: they are never migrated (not "match nothing" at precheck)', () => {
    const bad = good.replace(
      '  - shop\n  - crm.customers',
      '  - mysql\n  - SYS\n  - shop\n  - performance_schema.threads',
    )
    expect(problems(bad)).toEqual([
      'job.yaml:15: objects[0]: mysql is a system schema; system schemas (mysql, information_schema, performance_schema, sys) are never migrated',
      'job.yaml:16: objects[1]: SYS is a system schema; system schemas (mysql, information_schema, performance_schema, sys) are never migrated',
      'job.yaml:18: objects[3]: performance_schema is a system schema; system schemas (mysql, information_schema, performance_schema, sys) are never migrated',
    ])
  })

  it('refuses a host name no resolver accepts: a label over 63 characters, a name over 253', () => {
    const longLabel = 'a'.repeat(300)
    expect(problems(good.replace('host: 127.0.0.1', `host: ${longLabel}`))).toEqual([
      `job.yaml:6: source.host: a DNS label is at most 63 characters; label 1 of this host name has 300`,
    ])
    const longName = Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.')
    expect(problems(good.replace('host: tidb.example.com', `host: ${longName}`))).toEqual([
      `job.yaml:10: target.host: a host name is at most 253 characters; this one has 304`,
    ])
    expect(() =>
      parseJobFile(good.replace('host: 127.0.0.1', `host: ${'c'.repeat(63)}.example.com`), 'job.yaml'),
    ).not.toThrow()
    expect(() => parseJobFile(good.replace('host: 127.0.0.1', 'host: "::1"'), 'job.yaml')).not.toThrow()
  })

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problems('name: x\nsource:\n  host: [unclosed\n')
    expect(problem).toMatch(/^job\.yaml:\d+: /)
    expect(problems('name: a\nname: b\n')[0]).toMatch(/^job\.yaml:\d+: .*unique/i)
  })

  it('rejects an empty file and a bad job name', () => {
    expect(problems('')).toEqual(['job.yaml:1: the file is empty'])
    expect(problems(good.replace('name: shop-to-tidb', 'name: 9lives'))[0]).toMatch(
      /^job\.yaml:2: name: the job name starts with "9"; it must start with a letter$/,
    )
  })

  it('refuses settings that contradict each other, naming the line and the reason', () => {
    expect(problems(good.replace('mode: logical', 'mode: physical'))).toEqual([
      'job.yaml:4: mode: physical mode loads existing data, and an incremental job copies none: remove "mode: physical" (or use type both)',
    ])
    const existingWithStart = problems(good.replace('type: incremental', 'type: existing'))
    expect(existingWithStart).toHaveLength(1)
    expect(existingWithStart[0]).toBe(
      'job.yaml:17: start: a start position applies to incremental jobs only, and an existing job copies once and never replicates: remove "start" (or use type incremental)',
    )
    expect(problems(good.replace('type: incremental', 'type: both'))[0]).toMatch(
      /^job\.yaml:17: start: .*from the snapshot of its copy/,
    )
    const tlsOff = good.replace('    mode: verify-identity', '    mode: "off"\n    ca: /etc/ca.pem')
    expect(problems(tlsOff)).toEqual([
      'job.yaml:13: target.tls.mode: TLS is off, so ca would be ignored: set tls.mode (required, verify-ca or verify-identity), or remove the certificate files',
    ])
    const passphraseOnly = good.replace(
      '  user: migrator\n',
      '  user: migrator\n  ssh: { host: bastion, user: me, passphrase: pw }\n',
    )
    expect(problems(passphraseOnly)[0]).toMatch(
      /^job\.yaml:\d+: source\.ssh\.passphrase: a passphrase unlocks a private key/,
    )
    expect(problems(passphraseOnly).join('\n')).not.toContain(': pw')
    // Coherent variants still parse.
    expect(
      parseJobFile(
        good
          .replace('start:\n  file: mysql-bin.000012\n  position: 4711\n', '')
          .replace('type: incremental', 'type: existing')
          .replace('mode: logical', 'mode: physical'),
        'job.yaml',
        { env: {} },
      ).mode,
    ).toBe('physical')
  })

  it('never echoes a password in an error', () => {
    const bad = good.replace('  user: migrator\n', '  user: migrator\n  password: hunter2\n  port2: 1\n')
    const message = problems(bad).join('\n')
    expect(message).not.toContain('hunter2')
  })
})

describe('loadJobFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cutover-jobfile-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a file from disk', async () => {
    const path = join(dir, 'job.yaml')
    await writeFile(path, good)
    expect((await loadJobFile(path, { env: {} })).name).toBe('shop-to-tidb')
  })

  it('says when the file does not exist', async () => {
    await expect(loadJobFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'JOBFILE_UNREADABLE',
      message: expect.stringContaining('does not exist'),
    })
  })
})
