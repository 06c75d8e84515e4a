/**
 * SSH tunnels through a real OpenSSH server (see throwawaySshd.ts) to the harness source: key, encrypted key,
 * and password logins; a wrong key; a database port the bastion cannot reach; and the tunnel closing with the
 * session.
 */
import { createConnection } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionSchema, type ConnectionProfile } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { openSshTunnel } from '../../src/main/engine/connect/sshTunnel'
import { testConnection } from '../../src/main/engine/connect/testConnection'
import { sourceServer } from '../harness/servers'
import { sshdAvailable, startThrowawaySshd, type ThrowawaySshd } from './throwawaySshd'

let sshd: ThrowawaySshd

beforeAll(async () => {
  sshd = await startThrowawaySshd()
}, 30_000)

afterAll(async () => {
  await sshd?.stop()
})

function viaSsh(ssh: Record<string, unknown>, port = sourceServer().port): ConnectionProfile {
  const source = sourceServer()
  return connectionSchema.parse({
    host: '127.0.0.1',
    port,
    user: source.user,
    password: source.password,
    connectTimeoutMs: 5_000,
    ssh: { host: '127.0.0.1', port: sshd.port, user: sshd.user, ...ssh },
  })
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe.skipIf(!sshdAvailable())('SSH tunnel', () => {
  it('an SSH server given as the database port → CONN_NOT_MYSQL naming it, at once, not a firewall after the timeout', async () => {
    const source = sourceServer()
    const profile = connectionSchema.parse({
      host: '127.0.0.1',
      port: sshd.port,
      user: source.user,
      password: source.password,
      connectTimeoutMs: 10_000,
    })
    const started = performance.now()
    const result = await testConnection(profile, 'source')
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(result.error).toMatchObject({
      code: 'CONN_NOT_MYSQL',
      message: expect.stringMatching(
        new RegExp(
          `127\\.0\\.0\\.1:${sshd.port} is not a MySQL-compatible server: an SSH server answers there \\("SSH-2\\.0-OpenSSH`,
        ),
      ),
      workaround: expect.stringMatching(/set it as the SSH tunnel/),
    })
    expect(result.error?.workaround).not.toMatch(/firewall/i)
    expect(result.hops.at(-1)).toMatchObject({ hop: 'tcp', ok: false })
  })

  it('key auth: every hop passes through the tunnel, binlog reader included, and the host key is reported', async () => {
    const result = await testConnection(viaSsh({ privateKey: sshd.keyPath }), 'source')
    expect(result.error).toBeNull()
    expect(result.hops.map((h) => h.hop)).toEqual(['ssh', 'tcp', 'tls', 'auth', 'query', 'binlog'])
    expect(result.sshHostKey).toBe(sshd.hostKeyFingerprint)
    expect(result.hops[0]!.detail).toContain(sshd.hostKeyFingerprint)
    expect(result.binlog?.ok).toBe(true)
  })

  it('encrypted key with its passphrase works; without it the key file is named', async () => {
    const ok = await testConnection(
      viaSsh({ privateKey: sshd.encryptedKeyPath, passphrase: sshd.passphrase }),
      'source',
      { probeBinlog: false },
    )
    expect(ok.error).toBeNull()
    const missing = await testConnection(viaSsh({ privateKey: sshd.encryptedKeyPath }), 'source', {
      probeBinlog: false,
    })
    expect(missing.error?.code).toBe('SSH_KEY_FILE')
    expect(missing.error?.workaround).toMatch(/passphrase/)
  })

  it('password auth works, and the session sees the server through the tunnel', async () => {
    const session = await openSession(viaSsh({ password: sshd.password }), 'source')
    try {
      const [row] = await session.query<{ one: number }>('SELECT 1 AS one')
      expect(row?.one).toBe(1)
    } finally {
      await session.close()
    }
  })

  it('a key the bastion does not know → SSH_AUTH on the ssh hop, no password or passphrase in the output', async () => {
    const result = await testConnection(viaSsh({ privateKey: sshd.strangerKeyPath }), 'source')
    expect(result.error?.code).toBe('SSH_AUTH')
    expect(result.hops).toEqual([expect.objectContaining({ hop: 'ssh', ok: false })])
    const wrongPassword = await testConnection(viaSsh({ password: 'not-the-password-xyz' }), 'source')
    expect(wrongPassword.error?.code).toBe('SSH_AUTH')
    expect(JSON.stringify(wrongPassword)).not.toContain('not-the-password-xyz')
    expect(JSON.stringify(wrongPassword)).not.toContain(sourceServer().password)
  })

  it('a bastion port with no sshd → SSH_UNREACHABLE', async () => {
    const profile = viaSsh({ privateKey: sshd.keyPath })
    const result = await testConnection({ ...profile, ssh: { ...profile.ssh!, port: 1 } }, 'source')
    expect(result.error?.code).toBe('SSH_UNREACHABLE')
  })

  it('a database port the bastion cannot reach → CONN_REFUSED naming the bastion', async () => {
    const result = await testConnection(viaSsh({ privateKey: sshd.keyPath }, 1), 'source')
    expect(result.hops[0]).toMatchObject({ hop: 'ssh', ok: true })
    expect(result.error?.code).toBe('CONN_REFUSED')
    expect(result.error?.message).toMatch(/SSH bastion .* could not reach 127\.0\.0\.1:1/)
    expect(result.hops.at(-1)).toMatchObject({ hop: 'tcp', ok: false })
  })

  it('the tunnel closes with the session', async () => {
    const profile = viaSsh({ privateKey: sshd.keyPath })
    const tunnel = await openSshTunnel(profile)
    expect(await portAccepts(tunnel.localPort)).toBe(true)
    await tunnel.close()
    expect(await portAccepts(tunnel.localPort)).toBe(false)

    const session = await openSession(profile, 'source')
    const [row] = await session.query<{ port: number }>('SELECT @@port AS port')
    expect(Number(row?.port)).toBe(sourceServer().port)
    await session.close()
  })
})
