/**
 * Throwaway TiDB servers (tidb-server with unistore storage: one process, no PD/TiKV) for the real-database suites.
 *
 * Each gets its own temp dir (store, temp files, log), loopback SQL and status ports and an admin account
 * `harness`@`%`; root gets a random password so nothing passes by logging in without credentials. The binary is
 * built and cached by scripts/tidbTools.mjs (or taken from TIDB_SERVER).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { openSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createConnection,
  createPool,
  type Connection,
  type Pool,
  type QueryResult,
  type QueryValues,
  type RowDataPacket,
} from 'mysql2/promise'
import {
  clientOptions,
  connectTo,
  createDatabaseVia,
  createUserVia,
  defaultSearchDirs,
  findExecutable,
  freePort,
  hasExited,
  killAndWait,
  randomSecret,
  sleep,
  trackServer,
  type CreateUserOptions,
  type CreatedUser,
  type MariaDbConnectionOptions,
} from './mariadb'

const HOST = '127.0.0.1'
const ADMIN_USER = 'harness'
const READY_TIMEOUT_MS = 90_000
const PORT_ATTEMPTS = 5
// __dirname, not import.meta: Playwright loads the harness as CommonJS, vitest provides both.
const repoRoot = join(__dirname, '..', '..')

export interface TidbServer {
  readonly name: string
  readonly port: number
  readonly statusPort: number
  readonly dataDir: string
  readonly pid: number
  /** e.g. `8.0.11-TiDB-v9.0.0-…` */
  readonly version: string
  connectionOptions(): MariaDbConnectionOptions
  connect(database?: string): Promise<Connection>
  /** Runs one statement on a shared pool and returns its rows (or the OkPacket for DML/DDL). */
  query<T extends QueryResult = RowDataPacket[]>(sql: string, params?: QueryValues): Promise<T>
  /** Accounts with `IDENTIFIED BY` (TiDB's default mysql_native_password); `plugin` is not supported. */
  createUser(options: CreateUserOptions): Promise<CreatedUser>
  createDatabase(name: string): Promise<void>
  /** SIGTERM (SIGKILL after 10 s), then the store is removed. Safe to call twice. */
  stop(): Promise<void>
}

/** The tidb-server binary: TIDB_SERVER, else the cached build (built first when missing, which takes minutes). */
export function findTidbServer(): string {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'tidbTools.mjs'), 'tidb-server'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const path = result.stdout.trim().split('\n').pop() ?? ''
  if (result.status !== 0 || path === '') {
    throw new Error('tidb-server is not available; `node scripts/tidbTools.mjs tidb-server` says why (see above).')
  }
  return path
}

function configToml(dataDir: string): string {
  return [
    `temp-dir = ${JSON.stringify(join(dataDir, 'tmp'))}`,
    `tmp-storage-path = ${JSON.stringify(join(dataDir, 'tmp-storage'))}`,
    'socket = ""',
    '[log]',
    'level = "warn"',
    'slow-threshold = 30000',
    '[log.file]',
    `filename = ${JSON.stringify(join(dataDir, 'tidb.log'))}`,
    '[status]',
    'report-status = true',
    '[instance]',
    'tidb_enable_slow_log = false',
    '',
  ].join('\n')
}

async function logTail(dataDir: string, lines = 30): Promise<string> {
  const text = await readFile(join(dataDir, 'tidb.log'), 'utf8').catch(() => '')
  const stderr = await readFile(join(dataDir, 'stderr.log'), 'utf8').catch(() => '')
  return `${text}\n${stderr}`.trimEnd().split('\n').slice(-lines).join('\n')
}

async function waitUntilReady(child: ChildProcess, port: number): Promise<'ready' | 'exited' | 'timeout'> {
  let spawnFailed = false
  child.once('error', () => (spawnFailed = true))
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (spawnFailed || hasExited(child)) return 'exited'
    try {
      // A fresh store lets root in without a password until bootstrap() sets one.
      const probe = await createConnection({ host: HOST, port, user: 'root', connectTimeout: 1_000 })
      await probe.query('SELECT 1')
      await probe.end()
      return 'ready'
    } catch {
      await sleep(200)
    }
  }
  return hasExited(child) ? 'exited' : 'timeout'
}

async function bootstrap(port: number, password: string, rootPassword: string): Promise<string> {
  const root = await createConnection({ host: HOST, port, user: 'root' })
  try {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [ADMIN_USER, '%', password])
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN_USER, '%'])
    await root.query("ALTER USER 'root'@'%' IDENTIFIED BY ?", [rootPassword])
    const [rows] = await root.query<RowDataPacket[]>('SELECT VERSION() AS v')
    return String(rows[0]?.v ?? '')
  } finally {
    await root.end()
  }
}

export async function startTidb(options: { name?: string } = {}): Promise<TidbServer> {
  const binary = findTidbServer()
  const name = options.name ?? 'tidb'
  const dataDir = await mkdtemp(join(tmpdir(), 'cutover-tidb-'))
  const { tracked, untrack } = trackServer(dataDir)
  const abandon = async (): Promise<void> => {
    if (tracked.child !== null) await killAndWait(tracked.child)
    await rm(dataDir, { recursive: true, force: true, maxRetries: 3 })
    untrack()
  }
  await writeFile(join(dataDir, 'tidb.toml'), configToml(dataDir))
  const password = randomSecret()
  let port: number
  let statusPort: number
  let version: string
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      statusPort = await freePort()
      const args = [
        '-config',
        join(dataDir, 'tidb.toml'),
        '-store',
        'unistore',
        '-path',
        join(dataDir, 'store'),
        '-host',
        HOST,
        '-P',
        String(port),
        '-status',
        String(statusPort),
        '-status-host',
        HOST,
      ]
      const stderr = openSync(join(dataDir, 'stderr.log'), 'a')
      // As for mariadbd: setpriv's parent-death signal takes the server down with a SIGKILLed test process.
      const setpriv = findExecutable('setpriv', defaultSearchDirs())
      const child =
        setpriv === null
          ? spawn(binary, args, { stdio: ['ignore', 'ignore', stderr] })
          : spawn(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio: ['ignore', 'ignore', stderr] })
      tracked.child = child
      if (child.pid !== undefined) await writeFile(join(dataDir, 'pid'), String(child.pid))
      const outcome = await waitUntilReady(child, port)
      if (outcome === 'ready') break
      await killAndWait(child)
      const tail = await logTail(dataDir)
      if (outcome === 'exited' && /address already in use/i.test(tail) && attempt < PORT_ATTEMPTS) continue
      throw new Error(
        `TiDB "${name}" ${outcome === 'timeout' ? `did not accept connections within ${READY_TIMEOUT_MS / 1000} s` : 'exited during startup'}\n--- tidb.log (tail) ---\n${tail}`,
      )
    }
    version = await bootstrap(port, password, randomSecret())
  } catch (error) {
    await abandon()
    throw error
  }
  const child = tracked.child!
  const connection: MariaDbConnectionOptions = { host: HOST, port, user: ADMIN_USER, password }
  let stopping: Promise<void> | null = null
  let pool: Pool | null = null
  const getPool = (): Pool => (pool ??= createPool({ ...clientOptions(connection), connectionLimit: 4 }))
  return {
    name,
    port,
    statusPort,
    dataDir,
    pid: child.pid!,
    version,
    connectionOptions: () => ({ ...connection }),
    connect: (database) => connectTo(connection, database),
    query: async <T extends QueryResult = RowDataPacket[]>(sql: string, params?: QueryValues): Promise<T> => {
      const [result] = await getPool().query<T>(sql, params)
      return result
    },
    createUser: (userOptions) => {
      if (userOptions.plugin !== undefined) throw new Error('TiDB accounts in the harness use the default plugin')
      return createUserVia(getPool(), userOptions)
    },
    createDatabase: (databaseName) => createDatabaseVia(getPool(), databaseName),
    stop: () =>
      (stopping ??= (async () => {
        await pool?.end().catch(() => undefined)
        await abandon()
      })()),
  }
}
