/**
 * A throw-away OpenSSH server for the tunnel suite: Debian's sshd on a free 127.0.0.1 port with its own config,
 * host key and authorized_keys in a temp dir, and a throw-away local account (password auth needs a real
 * account; root is not used). Nothing under /etc/ssh is read or changed. stop() removes the account, the
 * temp dir and, if this module created it, sshd's privilege-separation dir /run/sshd.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ThrowawaySshd {
  port: number
  user: string
  password: string
  /** Authorized private key (no passphrase), an authorized key with `passphrase`, and an unauthorized key. */
  keyPath: string
  encryptedKeyPath: string
  passphrase: string
  strangerKeyPath: string
  /** `SHA256:…` of the host key, as ssh-keygen -l prints it. */
  hostKeyFingerprint: string
  stop(): Promise<void>
}

const SSHD = '/usr/sbin/sshd'
const PRIVSEP_DIR = '/run/sshd'

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port
      probe.close(() => resolve(port))
    })
  })
}

function keygen(path: string, passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'cutover-test', '-f', path], {
    stdio: 'pipe',
  })
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1')
      socket.once('data', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`)
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && process.getuid?.() === 0
}

export async function startThrowawaySshd(): Promise<ThrowawaySshd> {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-sshd-'))
  const user = `cutover_ssh_${randomBytes(3).toString('hex')}`
  const password = randomBytes(12).toString('hex')
  const passphrase = `pp-${randomBytes(6).toString('hex')}`
  const createdPrivsep = !existsSync(PRIVSEP_DIR)
  let userCreated = false
  let child: ChildProcess | null = null
  const cleanup = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    if (userCreated) execFileSync('userdel', [user], { stdio: 'pipe' })
    rmSync(dir, { recursive: true, force: true })
    if (createdPrivsep) rmSync(PRIVSEP_DIR, { recursive: true, force: true })
  }
  try {
    if (createdPrivsep) mkdirSync(PRIVSEP_DIR, { mode: 0o755 })
    execFileSync('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user], {
      stdio: 'pipe',
    })
    userCreated = true
    execFileSync('chpasswd', [], { input: `${user}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] })

    keygen(join(dir, 'host_key'))
    keygen(join(dir, 'client_key'))
    keygen(join(dir, 'encrypted_key'), passphrase)
    keygen(join(dir, 'stranger_key'))
    writeFileSync(
      join(dir, 'authorized_keys'),
      readFileSync(join(dir, 'client_key.pub'), 'utf8') + readFileSync(join(dir, 'encrypted_key.pub'), 'utf8'),
      { mode: 0o644 },
    )
    // sshd reads authorized_keys as the logging-in user, who must be able to traverse the temp dir.
    chmodSync(dir, 0o711)
    const hostKeyFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_key.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!

    const port = await freePort()
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        // The temp dir sits under the world-writable /tmp, which StrictModes would reject.
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin no',
        `AllowUsers ${user}`,
        'AllowTcpForwarding yes',
        'PermitTTY no',
        'X11Forwarding no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    )
    let stderr = ''
    child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await waitForPort(port, child, () => stderr)

    let stopping: Promise<void> | null = null
    return {
      port,
      user,
      password,
      keyPath: join(dir, 'client_key'),
      encryptedKeyPath: join(dir, 'encrypted_key'),
      passphrase,
      strangerKeyPath: join(dir, 'stranger_key'),
      hostKeyFingerprint,
      stop: () => (stopping ??= cleanup()),
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
