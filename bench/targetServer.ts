/**
 * The benchmarks' target: a throwaway MariaDB (the default, `--target mariadb`) or a fresh tidb-server with
 * unistore storage (`--target tidb`, built by scripts/tidbTools.mjs on first use), behind one shape.
 */
import type { Connection } from 'mysql2/promise'
import { startMariaDb } from '../tests/harness/mariadb'
import { startTidb } from '../tests/harness/tidb'

export type TargetKind = 'mariadb' | 'tidb'

export interface BenchServer {
  readonly kind: TargetKind
  readonly name: string
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly pid: number
  /** TiDB's HTTP status port (tidb-lightning reads the schema through it); null for MariaDB. */
  readonly statusPort: number | null
  connect(database?: string): Promise<Connection>
  stop(): Promise<void>
}

/** `--target mariadb|tidb` from the command line (default mariadb). */
export function targetKindArg(argv: string[] = process.argv): TargetKind {
  const i = argv.indexOf('--target')
  const value = i >= 0 ? argv[i + 1] : 'mariadb'
  if (value !== 'mariadb' && value !== 'tidb') throw new Error(`--target must be mariadb or tidb, not ${value}`)
  return value
}

export async function startTarget(
  kind: TargetKind,
  options: { name: string; serverId?: number; mariadbArgs?: string[] },
): Promise<BenchServer> {
  if (kind === 'mariadb') {
    const s = await startMariaDb({
      name: options.name,
      serverId: options.serverId,
      binlog: null,
      extraArgs: options.mariadbArgs,
    })
    return {
      kind,
      name: s.name,
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      pid: s.pid,
      statusPort: null,
      connect: (db) => s.connect(db),
      stop: () => s.stop(),
    }
  }
  const s = await startTidb({ name: options.name })
  const c = s.connectionOptions()
  const admin = await s.connect()
  try {
    // A background ANALYZE started by one method's load would otherwise run into the next method's time;
    // Cutover runs its own ANALYZE TABLE, inside its time.
    await admin.query('SET GLOBAL tidb_enable_auto_analyze = OFF')
  } finally {
    await admin.end()
  }
  return {
    kind,
    name: s.name,
    ...c,
    pid: s.pid,
    statusPort: s.statusPort,
    connect: (db) => s.connect(db),
    stop: () => s.stop(),
  }
}
