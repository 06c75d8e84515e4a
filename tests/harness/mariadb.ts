/**
 * Throwaway MariaDB servers for the real-database suites.
 *
 * Each server gets its own temp data dir, a loopback-only TCP port and an admin account `harness`@`%`.
 * Tests talk to it only over 127.0.0.1, exactly as Cutover talks to a customer's server; the unix socket
 * is used once, during bootstrap, because that is the only way in before any TCP account exists.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants as fsConstants, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import {
  createConnection,
  createPool,
  type Connection,
  type ConnectionOptions,
  type Pool,
  type QueryResult,
  type QueryValues,
  type RowDataPacket,
} from 'mysql2/promise'

/** Shown verbatim, on a line of its own, in the missing-server error so it can be pasted into a root shell. */
export const MARIADB_INSTALL_COMMAND = 'apt-get install -y mariadb-server'

export type BinlogFormat = 'ROW' | 'STATEMENT' | 'MIXED'
export type BinlogRowImage = 'FULL' | 'MINIMAL' | 'NOBLOB'
export type BinlogRowMetadata = 'NO_LOG' | 'MINIMAL' | 'FULL'

export interface BinlogOptions {
  format: BinlogFormat
  rowImage: BinlogRowImage
  rowMetadata: BinlogRowMetadata
  /** binlog_expire_logs_seconds; omitted means the server default (0 = never purge). */
  expireSeconds?: number
}

export interface MariaDbOptions {
  /** Label used in error messages. Defaults to `mariadb-<serverId>`. */
  name?: string
  /** `null` or omitted: no binary log at all (log_bin=0). */
  binlog?: BinlogOptions | null
  /** Defaults to 1000 + a per-process counter so factory servers never collide with the shared 1 and 2. */
  serverId?: number
  /** Appended last, so they override the harness defaults. */
  extraArgs?: string[]
}

/** Plain, serialisable connection details; what globalSetup hands to test workers. */
export interface MariaDbConnectionOptions {
  host: string
  port: number
  user: string
  password: string
}

export type AuthPlugin = 'mysql_native_password' | 'ed25519'

export interface CreateUserOptions {
  user: string
  /** Random when omitted. */
  password?: string
  /** Each is `<privileges> ON <level>`, e.g. `'SELECT ON *.*'`, `'REPLICATION SLAVE ON *.*'`. */
  grants: string[]
  /** Defaults to '%'. */
  host?: string
  /** Defaults to the server default (mysql_native_password on MariaDB). */
  plugin?: AuthPlugin
}

export interface CreatedUser {
  user: string
  password: string
  host: string
}

export interface MariaDbServer {
  readonly name: string
  readonly host: '127.0.0.1'
  readonly port: number
  readonly user: 'harness'
  readonly password: string
  readonly dataDir: string
  readonly serverId: number
  readonly pid: number
  connectionOptions(): MariaDbConnectionOptions
  /** A fresh connection as `harness`; the caller ends it. */
  connect(database?: string): Promise<Connection>
  /** Runs one statement on a shared pool and returns its rows (or the OkPacket for DML/DDL). */
  query<T extends QueryResult = RowDataPacket[]>(sql: string, params?: QueryValues): Promise<T>
  createUser(options: CreateUserOptions): Promise<CreatedUser>
  createDatabase(name: string): Promise<void>
  /** Graceful shutdown (SIGKILL after 10 s), then the data dir is removed. Safe to call twice. */
  stop(): Promise<void>
}

/** Raised when a server cannot be started; its data dir has already been removed. */
export class MariaDbStartError extends Error {
  constructor(
    message: string,
    readonly dataDir: string,
    readonly errorLogTail: string,
  ) {
    super(errorLogTail ? `${message}\n--- err.log (tail) ---\n${errorLogTail}` : message)
    this.name = 'MariaDbStartError'
  }
}

const HOST = '127.0.0.1'
const DATA_DIR_PREFIX = 'cutover-mariadb-'
/** Every harness server's data dir starts with one of these (tidb.ts uses the second). */
const STALE_PREFIXES = [DATA_DIR_PREFIX, 'cutover-tidb-']
const ADMIN_USER = 'harness'
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const PORT_ATTEMPTS = 5
// sun_path is 108 bytes on Linux including the NUL; mariadbd fails obscurely beyond that.
const MAX_SOCKET_PATH = 107

export interface Tracked {
  dataDir: string
  child: ChildProcess | null
}

interface SharedState {
  registry: Set<Tracked>
  nextServerId: number
}

// Vitest re-evaluates this module for every test file in a worker; keeping the registry on globalThis
// means one exit hook per process and server ids that stay distinct across those evaluations.
const holder = globalThis as typeof globalThis & { __cutoverMariaDb?: SharedState }
const shared: SharedState = holder.__cutoverMariaDb ?? installSharedState()

function installSharedState(): SharedState {
  const state: SharedState = { registry: new Set(), nextServerId: 1000 }
  holder.__cutoverMariaDb = state

  // Must be synchronous: it also runs from 'exit', where the event loop is gone.
  const killAllNow = (): void => {
    for (const tracked of state.registry) {
      const child = tracked.child
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
      // Retries cover files a just-killed server was still creating.
      rmSync(tracked.dataDir, { recursive: true, force: true, maxRetries: 3 })
    }
    state.registry.clear()
  }

  // Last resort when a suite forgets stop() or the run is aborted.
  process.on('exit', killAllNow)
  // Vitest ends fork workers with SIGTERM, and Ctrl-C sends SIGINT; by default neither runs 'exit' handlers.
  // Where someone already handles the signal (vitest's main process exits via process.exit), leave it be.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    if (process.listenerCount(signal) > 0) continue
    const onSignal = (): void => {
      killAllNow()
      // Keep the signal's default meaning, terminate, unless a listener was added after ours.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
  // In a fork worker whose vitest main process died, the IPC channel closes but a hung test keeps the
  // worker (and its servers) alive; nobody will read its results any more.
  if (process.send !== undefined) process.once('disconnect', killAllNow)
  return state
}

/** Registers a data dir (and later its process) for the last-resort cleanup on exit, SIGTERM or SIGINT. */
export function trackServer(dataDir: string): { tracked: Tracked; untrack(): void } {
  const tracked: Tracked = { dataDir, child: null }
  shared.registry.add(tracked)
  return { tracked, untrack: () => shared.registry.delete(tracked) }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// A dead pid alone is not enough: a concurrent run retrying on another port briefly has one too.
const STALE_WITH_DEAD_PID_MS = 60 * 1000
const STALE_WITHOUT_PID_MS = 60 * 60 * 1000

/**
 * Removes data dirs left by runs that were SIGKILLed (setpriv already took their servers down).
 * Conservative because other runs may be live: a dir goes only if its server's pid is dead and it has not
 * changed for a minute, or, when it never got a pid file, if it is an hour old. Returns the removed paths.
 */
export async function removeStaleDataDirs(): Promise<string[]> {
  const removed: string[] = []
  for (const entry of await readdir(tmpdir(), { withFileTypes: true })) {
    if (!entry.isDirectory() || !STALE_PREFIXES.some((prefix) => entry.name.startsWith(prefix))) continue
    const dir = join(tmpdir(), entry.name)
    if ([...shared.registry].some((tracked) => tracked.dataDir === dir)) continue
    const pid = Number.parseInt(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''), 10)
    const age = Date.now() - (await stat(dir)).mtimeMs
    const stale = Number.isInteger(pid) ? !isAlive(pid) && age > STALE_WITH_DEAD_PID_MS : age > STALE_WITHOUT_PID_MS
    if (!stale) continue
    await rm(dir, { recursive: true, force: true })
    removed.push(dir)
  }
  return removed
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

export function defaultSearchDirs(): string[] {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '')
  // Debian puts mariadbd in /usr/sbin, which is not on a normal user's PATH.
  return [...pathDirs, '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']
}

export function findExecutable(name: string, dirs: string[]): string | null {
  for (const dir of dirs) {
    const candidate = join(dir, name)
    if (isExecutable(candidate)) return candidate
  }
  return null
}

/** Absolute path of mariadbd, or an Error that tells the developer how to install it. */
export function findMariadbd(searchDirs: string[] = defaultSearchDirs()): string {
  const found = findExecutable('mariadbd', searchDirs)
  if (found === null) {
    throw new Error(
      'mariadbd was not found (looked on PATH and in /usr/sbin). The real-database tests need MariaDB; ' +
        '`npm test` installs it on Debian/Ubuntu when run as root. Otherwise install it with:\n' +
        MARIADB_INSTALL_COMMAND,
    )
  }
  return found
}

function findInstallDb(): string {
  const found = findExecutable('mariadb-install-db', defaultSearchDirs())
  if (found === null) {
    throw new Error(`mariadb-install-db was not found. Install it with:\n${MARIADB_INSTALL_COMMAND}`)
  }
  return found
}

export function randomSecret(): string {
  // Hex keeps it free of quoting concerns in logs and CLI reproductions.
  return randomBytes(18).toString('hex')
}

/** Client settings every harness connection shares; exported so servers.ts builds identical connections. */
export function clientOptions(target: MariaDbConnectionOptions, database?: string): ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ...(database === undefined ? {} : { database }),
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
  }
}

export function connectTo(target: MariaDbConnectionOptions, database?: string): Promise<Connection> {
  return createConnection(clientOptions(target, database))
}

type Queryable = Pick<Connection, 'query'>

async function withConnection<T>(target: MariaDbConnectionOptions, use: (db: Connection) => Promise<T>): Promise<T> {
  const connection = await connectTo(target)
  try {
    return await use(connection)
  } finally {
    await connection.end()
  }
}

const ER_PLUGIN_INSTALLED = 1968

async function ensureEd25519(db: Queryable): Promise<void> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519' AND PLUGIN_STATUS = 'ACTIVE'",
  )
  if (rows.length > 0) return
  try {
    // Not loaded by default on 10.11; installing it is persistent for the life of the data dir.
    await db.query("INSTALL SONAME 'auth_ed25519'")
  } catch (error) {
    // Two concurrent createUser calls can race to install it.
    if ((error as { errno?: number }).errno !== ER_PLUGIN_INSTALLED) throw error
  }
}

export async function createUserVia(db: Queryable, options: CreateUserOptions): Promise<CreatedUser> {
  const host = options.host ?? '%'
  const password = options.password ?? randomSecret()
  switch (options.plugin) {
    case undefined:
      await db.query('CREATE USER ?@? IDENTIFIED BY ?', [options.user, host, password])
      break
    case 'mysql_native_password':
      await db.query('CREATE USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?)', [
        options.user,
        host,
        password,
      ])
      break
    case 'ed25519':
      await ensureEd25519(db)
      await db.query('CREATE USER ?@? IDENTIFIED VIA ed25519 USING PASSWORD(?)', [options.user, host, password])
      break
  }
  for (const grant of options.grants) {
    // Privilege lists cannot be bound as parameters; grants come from test code, not from users.
    await db.query(`GRANT ${grant} TO ?@?`, [options.user, host])
  }
  return { user: options.user, password, host }
}

export async function createDatabaseVia(db: Queryable, name: string): Promise<void> {
  await db.query('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci', [name])
}

/** Creates a user on any server reachable with admin credentials (e.g. the shared source from servers.ts). */
export function createUser(admin: MariaDbConnectionOptions, options: CreateUserOptions): Promise<CreatedUser> {
  return withConnection(admin, (db) => createUserVia(db, options))
}

export function createDatabase(admin: MariaDbConnectionOptions, name: string): Promise<void> {
  return withConnection(admin, (db) => createDatabaseVia(db, name))
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, HOST, () => {
      const address = probe.address()
      if (address === null || typeof address === 'string') {
        probe.close()
        reject(new Error('could not read the probe port'))
        return
      }
      probe.close(() => resolve(address.port))
    })
  })
}

function runQuietly(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve()
        return
      }
      // mariadb-install-db reports some failures on stdout, so fall back to it.
      const output = stderr.trim() || stdout.trim().split('\n').slice(-20).join('\n')
      reject(new Error(`${command} failed (${signal ?? `exit ${code}`}):\n${output}`))
    })
  })
}

async function errorLogTail(dataDir: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(join(dataDir, 'err.log'), 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, timeoutMs)
    const onExit = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

export async function killAndWait(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return
  child.kill('SIGTERM')
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return
  child.kill('SIGKILL')
  await waitForExit(child, STOP_TIMEOUT_MS)
}

function binlogArgs(dataDir: string, binlog: BinlogOptions | null): string[] {
  if (binlog === null) return []
  const args = [
    `--log-bin=${join(dataDir, 'binlog')}`,
    `--binlog-format=${binlog.format}`,
    `--binlog-row-image=${binlog.rowImage}`,
    `--binlog-row-metadata=${binlog.rowMetadata}`,
  ]
  if (binlog.expireSeconds !== undefined) args.push(`--binlog-expire-logs-seconds=${binlog.expireSeconds}`)
  return args
}

interface LaunchPlan {
  mariadbd: string
  dataDir: string
  tmpDir: string
  socketPath: string
  serverId: number
  binlog: BinlogOptions | null
  extraArgs: string[]
}

function spawnServer(plan: LaunchPlan, port: number): ChildProcess {
  const { dataDir } = plan
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${plan.socketPath}`,
    `--port=${port}`,
    `--bind-address=${HOST}`,
    `--pid-file=${join(dataDir, 'pid')}`,
    `--log-error=${join(dataDir, 'err.log')}`,
    // mariadbd deletes every #sql* file in its tmpdir at startup; sharing /tmp would let one server's
    // start destroy another's temporary tables (seen as "Unknown table 'mysql.tmp_user_sys'" in install-db).
    `--tmpdir=${plan.tmpDir}`,
    // Without it 127.0.0.1 is resolved to "localhost" and matched against localhost accounts.
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    // Durability is irrelevant for a throwaway server and per-commit fsync dominates bulk-copy tests.
    '--innodb-flush-log-at-trx-commit=0',
    '--max-connections=300',
    '--local-infile=1',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    `--server-id=${plan.serverId}`,
    ...binlogArgs(dataDir, plan.binlog),
    // mariadbd refuses to run as root unless told to.
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ...plan.extraArgs,
  ]
  // setpriv's parent-death signal kills the server even if the test process is SIGKILLed, when no
  // 'exit' hook can run. It execs, so the child's pid is mariadbd's own.
  const setpriv = findExecutable('setpriv', defaultSearchDirs())
  return setpriv === null
    ? spawn(plan.mariadbd, args, { stdio: 'ignore' })
    : spawn(setpriv, ['--pdeathsig', 'KILL', '--', plan.mariadbd, ...args], { stdio: 'ignore' })
}

type ReadyOutcome = 'ready' | 'exited' | 'timeout'

async function waitUntilReady(child: ChildProcess, socketPath: string): Promise<ReadyOutcome> {
  // A failed spawn (e.g. EACCES) emits 'error' and may never emit 'exit'.
  let spawnFailed = false
  child.once('error', () => (spawnFailed = true))
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (spawnFailed || hasExited(child)) return 'exited'
    try {
      const probe = await createConnection({ socketPath, user: 'root', connectTimeout: 1_000 })
      await probe.end()
      return 'ready'
    } catch {
      await sleep(100)
    }
  }
  return hasExited(child) ? 'exited' : 'timeout'
}

function isPortClash(logTail: string): boolean {
  return /Address already in use|Bind on TCP\/IP port/i.test(logTail)
}

/** Starts mariadbd, retrying on another port if a concurrent process grabbed the probed one first. */
async function launch(
  plan: LaunchPlan,
  tracked: Tracked,
  name: string,
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = spawnServer(plan, port)
    tracked.child = child
    const outcome = await waitUntilReady(child, plan.socketPath)
    if (outcome === 'ready') return { child, port }
    await killAndWait(child)
    const tail = await errorLogTail(plan.dataDir)
    if (outcome === 'exited' && isPortClash(tail) && attempt < PORT_ATTEMPTS) continue
    const reason =
      outcome === 'timeout'
        ? `did not accept connections within ${READY_TIMEOUT_MS / 1000} s`
        : `exited during startup (code ${child.exitCode ?? child.signalCode})`
    throw new MariaDbStartError(`MariaDB "${name}" ${reason}`, plan.dataDir, tail)
  }
}

/**
 * Locks the fresh server down to what a real one looks like, then creates the admin account.
 * Anonymous ''@host accounts shadow 'user'@'%' for clients matching that host; root@127.0.0.1 and
 * root@::1 have no password and would let a test that forgot credentials pass by accident.
 */
async function bootstrap(socketPath: string, password: string): Promise<void> {
  const root = await createConnection({ socketPath, user: 'root' })
  try {
    // User='' with Host='' is a role (10.11's PUBLIC lives there too), so only drop rows with a host.
    const [anonymous] = await root.query<RowDataPacket[]>(
      "SELECT Host FROM mysql.global_priv WHERE User = '' AND Host <> ''",
    )
    const [remoteRoots] = await root.query<RowDataPacket[]>(
      "SELECT Host FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'",
    )
    for (const row of anonymous) await root.query("DROP USER ''@?", [row.Host])
    for (const row of remoteRoots) await root.query("DROP USER 'root'@?", [row.Host])
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [ADMIN_USER, '%', password])
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN_USER, '%'])
  } finally {
    await root.end()
  }
}

export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const mariadbd = findMariadbd()
  const installDb = findInstallDb()
  const serverId = options.serverId ?? shared.nextServerId++
  const name = options.name ?? `mariadb-${serverId}`

  const dataDir = await mkdtemp(join(tmpdir(), DATA_DIR_PREFIX))
  const tracked: Tracked = { dataDir, child: null }
  shared.registry.add(tracked)
  const abandon = async (): Promise<void> => {
    if (tracked.child !== null) await killAndWait(tracked.child)
    await rm(dataDir, { recursive: true, force: true })
    shared.registry.delete(tracked)
  }

  const password = randomSecret()
  let launched: { child: ChildProcess; port: number }
  try {
    const socketPath = join(dataDir, 'sock')
    const tmpDir = join(dataDir, 'tmp')
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new MariaDbStartError(`socket path ${socketPath} is too long; set TMPDIR to a shorter dir`, dataDir, '')
    }
    await mkdir(tmpDir)
    await runQuietly(installDb, [
      '--no-defaults',
      `--datadir=${dataDir}`,
      // Passed through to the bootstrap mariadbd; see spawnServer for why each server has its own.
      `--tmpdir=${tmpDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ])
    const binlog = options.binlog ?? null
    const extraArgs = options.extraArgs ?? []
    launched = await launch({ mariadbd, dataDir, tmpDir, socketPath, serverId, binlog, extraArgs }, tracked, name)
    if (launched.child.pid === undefined) throw new Error('mariadbd is accepting connections but has no pid')
    await bootstrap(socketPath, password)
    // Prove the account works the way tests will use it: TCP, loopback, no socket.
    const admin: MariaDbConnectionOptions = { host: HOST, port: launched.port, user: ADMIN_USER, password }
    await withConnection(admin, (db) => db.query('SELECT 1'))
  } catch (error) {
    const tail = await errorLogTail(dataDir)
    await abandon()
    if (error instanceof MariaDbStartError) throw error
    const cause = error instanceof Error ? error.message : String(error)
    throw new MariaDbStartError(`MariaDB "${name}" failed to start: ${cause}`, dataDir, tail)
  }

  const { port } = launched
  const pid = launched.child.pid
  const connection: MariaDbConnectionOptions = { host: HOST, port, user: ADMIN_USER, password }
  let pool: Pool | null = null
  const getPool = (): Pool => (pool ??= createPool({ ...clientOptions(connection), connectionLimit: 4 }))
  let stopping: Promise<void> | null = null

  return {
    name,
    host: HOST,
    port,
    user: ADMIN_USER,
    password,
    dataDir,
    serverId,
    pid,
    connectionOptions: () => ({ ...connection }),
    connect: (database) => connectTo(connection, database),
    query: async <T extends QueryResult = RowDataPacket[]>(sql: string, params?: QueryValues): Promise<T> => {
      const [result] = await getPool().query<T>(sql, params)
      return result
    },
    createUser: (userOptions) => createUserVia(getPool(), userOptions),
    createDatabase: (databaseName) => createDatabaseVia(getPool(), databaseName),
    stop: () =>
      (stopping ??= (async () => {
        // End our own pool first so shutdown does not wait on, or log, our idle connections.
        await pool?.end().catch(() => undefined)
        await abandon()
      })()),
  }
}
