/**
 * What kind of server is on the other end, read once per connection test or precheck run. Statements that
 * differ between flavours and versions (pain point 13: MySQL 8.4 removed SHOW MASTER STATUS) are chosen here
 * from a ServerInfo, so callers never parse version strings themselves.
 */
import type { ServerFlavor, ServerInfo, SqlSession } from './session'

/** `'8.0.36-28'` → `'8.0.36'`; MariaDB's `'5.5.5-10.11.19-MariaDB-log'` → `'10.11.19'`. Null when unparseable. */
export function parseVersionNumber(versionString: string): string | null {
  // MariaDB < 11 prefixes the handshake version with 5.5.5- so that old MySQL clients do not refuse it.
  const stripped = versionString.replace(/^5\.5\.5-/, '')
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(stripped)
  if (!match) return null
  return `${match[1]}.${match[2]}.${match[3] ?? '0'}`
}

/** The TiDB release inside `tidb_version()` text or a `VERSION()` string like `8.0.11-TiDB-v8.5.1`. */
export function parseTidbRelease(text: string): string | null {
  const release = /Release Version:\s*v?(\d+\.\d+\.\d+)/i.exec(text) ?? /TiDB-v?(\d+\.\d+\.\d+)/i.exec(text)
  return release?.[1] ?? null
}

export function flavorOfVersionString(versionString: string): ServerFlavor {
  if (/mariadb/i.test(versionString)) return 'mariadb'
  if (/tidb/i.test(versionString)) return 'tidb'
  return 'mysql'
}

/** Negative, zero or positive, comparing dotted numeric versions part by part (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0)
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

export function versionAtLeast(info: Pick<ServerInfo, 'version'>, minimum: string): boolean {
  return compareVersions(info.version, minimum) >= 0
}

/** Oldest releases Cutover reads from: older ones lack the binlog row format details the replicator needs. */
export const minimumVersions: Record<Exclude<ServerFlavor, 'tidb'>, string> = { mysql: '5.6.0', mariadb: '10.1.0' }

/** Why this server is too old to migrate from, or null. TiDB is only ever a target and has no floor here. */
export function unsupportedVersionReason(info: ServerInfo): string | null {
  if (info.flavor === 'tidb') return null
  const minimum = minimumVersions[info.flavor]
  if (compareVersions(info.version, minimum) >= 0) return null
  const label = info.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'
  return `${label} ${info.version} is older than ${label} ${minimum.replace(/\.0$/, '')}, the oldest release Cutover supports.`
}

export function describeServer(info: ServerInfo): string {
  const label = { mysql: 'MySQL', mariadb: 'MariaDB', tidb: 'TiDB' }[info.flavor]
  const aurora = info.auroraRole ? ` (Aurora ${info.auroraRole})` : ''
  return `${label} ${info.version}${aurora}`
}

/**
 * The statement that reports the current binlog file and position. MySQL added SHOW BINARY LOG STATUS in
 * 8.2.0 and removed SHOW MASTER STATUS in 8.4, so 8.2+ uses the new one (no deprecation warning on 8.2/8.3).
 * MariaDB accepts SHOW BINLOG STATUS only from 10.5.2 but SHOW MASTER STATUS on every release.
 */
export function binlogStatusStatement(info: Pick<ServerInfo, 'flavor' | 'version'>): string {
  if (info.flavor === 'mysql' && compareVersions(info.version, '8.2.0') >= 0) return 'SHOW BINARY LOG STATUS'
  return 'SHOW MASTER STATUS'
}

async function tryScalar(session: SqlSession, sql: string): Promise<unknown> {
  try {
    const rows = await session.query<Record<string, unknown>>(sql)
    const first = rows[0]
    return first ? Object.values(first)[0] : undefined
  } catch {
    // "Unknown function" / "Unknown system variable" is the answer: this server is not that flavour.
    return undefined
  }
}

export async function detectServer(session: SqlSession): Promise<ServerInfo> {
  const rows = await session.query<{ v: string }>('SELECT VERSION() AS v')
  const versionString = String(rows[0]?.v ?? '')
  let flavor = flavorOfVersionString(versionString)
  let version = parseVersionNumber(versionString) ?? '0.0.0'
  let tidbVersionText: string | null = null
  let auroraRole: ServerInfo['auroraRole'] = null

  if (flavor !== 'mariadb') {
    // TiDB answers tidb_version() even when a proxy rewrites VERSION(); MySQL says "FUNCTION does not exist".
    const tidb = await tryScalar(session, 'SELECT tidb_version()')
    if (typeof tidb === 'string' && tidb !== '') {
      flavor = 'tidb'
      tidbVersionText = tidb
      version = parseTidbRelease(tidb) ?? parseTidbRelease(versionString) ?? version
    }
  }
  if (flavor === 'mysql') {
    const aurora = await tryScalar(session, 'SELECT @@aurora_version')
    if (aurora !== undefined && aurora !== null) {
      // An Aurora reader instance runs with innodb_read_only=1; the writer with 0.
      const readOnly = await tryScalar(session, 'SELECT @@innodb_read_only')
      auroraRole = Number(readOnly) === 1 ? 'reader' : 'writer'
    }
  }
  return { flavor, version, versionString, auroraRole, tidbVersionText }
}
