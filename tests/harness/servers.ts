/**
 * What test files import to reach MariaDB. The shared source/target are started by globalSetup.ts;
 * suites that need a differently configured server start their own with `startMariaDb` in beforeAll.
 */
import { randomBytes } from 'node:crypto'
import type { Connection } from 'mysql2/promise'
import { inject } from 'vitest'
import { connectTo, type MariaDbConnectionOptions } from './mariadb'

export {
  MariaDbStartError,
  clientOptions,
  connectTo,
  createDatabase,
  createUser,
  findMariadbd,
  startMariaDb,
} from './mariadb'
export type {
  AuthPlugin,
  BinlogFormat,
  BinlogOptions,
  BinlogRowImage,
  BinlogRowMetadata,
  CreateUserOptions,
  CreatedUser,
  MariaDbConnectionOptions,
  MariaDbOptions,
  MariaDbServer,
} from './mariadb'

function provided(key: 'mariadbSource' | 'mariadbTarget' | 'tidbTarget'): MariaDbConnectionOptions {
  const options = inject(key) as MariaDbConnectionOptions | undefined
  if (options === undefined) {
    throw new Error(`${key} was not provided; is tests/harness/globalSetup.ts listed in vitest's globalSetup?`)
  }
  // Copy so a test that mutates its options cannot affect the next one in the same worker.
  return { ...options }
}

/** The shared binlog source: server_id 1, log_bin ON, ROW / FULL image / FULL metadata. Admin credentials. */
export function sourceServer(): MariaDbConnectionOptions {
  return provided('mariadbSource')
}

export type TargetKind = 'tidb' | 'mariadb'

/**
 * The target the suites migrate into: TiDB (unistore), the product's target. `CUTOVER_TEST_TARGET=mariadb` runs
 * them against the shared MariaDB target instead. Suites that cover both name the kind with `targetServerOf`.
 */
export function targetKind(): TargetKind {
  return process.env.CUTOVER_TEST_TARGET === 'mariadb' ? 'mariadb' : 'tidb'
}

/** The shared target of the given kind (TiDB; or MariaDB: server_id 2, no binlog). Admin credentials. */
export function targetServerOf(kind: TargetKind): MariaDbConnectionOptions {
  return provided(kind === 'tidb' ? 'tidbTarget' : 'mariadbTarget')
}

/** TiDB is the product's target and a MariaDB target a supported case: suites that cover both run on these. */
export function everyTarget(): TargetKind[] {
  return targetKind() === 'mariadb' ? ['mariadb'] : ['tidb', 'mariadb']
}

/** The shared target of `targetKind()`. Admin credentials. */
export function targetServer(): MariaDbConnectionOptions {
  return targetServerOf(targetKind())
}

/** The version string of the shared TiDB target, e.g. `8.0.11-TiDB-v9.0.0-…`. */
export function tidbVersion(): string {
  return String(inject('tidbVersion'))
}

export function connectSource(database?: string): Promise<Connection> {
  return connectTo(sourceServer(), database)
}

export function connectTarget(database?: string, kind: TargetKind = targetKind()): Promise<Connection> {
  return connectTo(targetServerOf(kind), database)
}

/**
 * The shared servers are used by test files running in parallel, so every database and user a suite
 * creates on them needs a name nobody else will pick. Stays within MariaDB's 64-char identifier and
 * 80-char user name limits for prefixes up to 40 chars.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
}

/** A suite's own database on the shared source (created) and connections to both shared servers. */
export async function openScratchDatabase(
  db: string,
  kind: TargetKind = targetKind(),
): Promise<{ source: Connection; target: Connection }> {
  const source = await connectSource()
  const target = await connectTarget(undefined, kind)
  await source.query(`CREATE DATABASE \`${db}\``)
  return { source, target }
}

/** Drops the suite's database on both shared servers and ends the connections (any of them may be unset). */
export async function closeScratchDatabase(db: string, ...connections: (Connection | undefined)[]): Promise<void> {
  const [source, target] = connections
  await source?.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await target?.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await Promise.all(connections.map((c) => c?.end()))
}
