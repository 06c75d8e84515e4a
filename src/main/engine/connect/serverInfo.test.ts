import { describe, expect, it } from 'vitest'
import {
  binlogStatusStatement,
  detectServer,
  compareVersions,
  flavorOfVersionString,
  parseTidbRelease,
  parseVersionNumber,
  unsupportedVersionReason,
} from './serverInfo'
import type { ServerInfo, SqlSession } from './session'

function info(flavor: ServerInfo['flavor'], version: string): ServerInfo {
  return { flavor, version, versionString: version, auroraRole: null, tidbVersionText: null }
}

describe('version strings', () => {
  it.each([
    ['5.6.51-log', 'mysql', '5.6.51'],
    ['5.7.44', 'mysql', '5.7.44'],
    ['8.0.36-28', 'mysql', '8.0.36'],
    ['8.0.28-google', 'mysql', '8.0.28'],
    ['8.4.3', 'mysql', '8.4.3'],
    ['9.1.0-commercial', 'mysql', '9.1.0'],
    ['5.7.12-log', 'mysql', '5.7.12'], // Aurora MySQL 2 reports the MySQL it is compatible with
    ['5.5.5-10.11.19-MariaDB-log', 'mariadb', '10.11.19'],
    ['10.6.18-MariaDB-0+deb12u1', 'mariadb', '10.6.18'],
    ['11.4.2-MariaDB', 'mariadb', '11.4.2'],
    ['10.0.38-MariaDB', 'mariadb', '10.0.38'],
    ['8.0.11-TiDB-v8.5.1', 'tidb', '8.0.11'],
    ['8.0.11-TiDB-v7.1.3-serverless', 'tidb', '8.0.11'],
  ])('%s → %s %s', (versionString, flavor, version) => {
    expect(flavorOfVersionString(versionString)).toBe(flavor)
    expect(parseVersionNumber(versionString)).toBe(version)
  })

  it('returns null for text without a version', () => {
    expect(parseVersionNumber('unknown')).toBeNull()
  })

  it('reads the TiDB release from tidb_version() text and from VERSION()', () => {
    const text = 'Release Version: v8.5.1\nEdition: Community\nGit Commit Hash: 8a5a7a3\nStore: tikv'
    expect(parseTidbRelease(text)).toBe('8.5.1')
    expect(parseTidbRelease('8.0.11-TiDB-v7.1.3-serverless')).toBe('7.1.3')
    expect(parseTidbRelease('8.0.36')).toBeNull()
  })

  it('compares numerically, not as text', () => {
    expect(compareVersions('10.11.19', '10.2.0')).toBeGreaterThan(0)
    expect(compareVersions('8.4.0', '8.4')).toBe(0)
    expect(compareVersions('5.6.0', '5.7.44')).toBeLessThan(0)
  })
})

describe('binlogStatusStatement', () => {
  it.each([
    ['mysql', '5.6.51', 'SHOW MASTER STATUS'],
    ['mysql', '5.7.44', 'SHOW MASTER STATUS'],
    ['mysql', '8.0.36', 'SHOW MASTER STATUS'],
    ['mysql', '8.2.0', 'SHOW BINARY LOG STATUS'],
    ['mysql', '8.4.3', 'SHOW BINARY LOG STATUS'],
    ['mysql', '9.1.0', 'SHOW BINARY LOG STATUS'],
    ['mariadb', '10.11.19', 'SHOW MASTER STATUS'],
    ['mariadb', '11.4.2', 'SHOW MASTER STATUS'],
    ['tidb', '8.5.1', 'SHOW MASTER STATUS'],
  ] as const)('%s %s → %s', (flavor, version, statement) => {
    expect(binlogStatusStatement(info(flavor, version))).toBe(statement)
  })
})

describe('unsupportedVersionReason', () => {
  it('refuses MySQL before 5.6 and MariaDB before 10.1', () => {
    expect(unsupportedVersionReason(info('mysql', '5.5.62'))).toMatch(/MySQL 5\.5\.62 is older than MySQL 5\.6/)
    expect(unsupportedVersionReason(info('mariadb', '10.0.38'))).toMatch(
      /MariaDB 10\.0\.38 is older than MariaDB 10\.1/,
    )
  })
  it('accepts supported releases and any TiDB', () => {
    expect(unsupportedVersionReason(info('mysql', '5.6.0'))).toBeNull()
    expect(unsupportedVersionReason(info('mysql', '8.4.3'))).toBeNull()
    expect(unsupportedVersionReason(info('mariadb', '10.1.48'))).toBeNull()
    expect(unsupportedVersionReason(info('tidb', '4.0.0'))).toBeNull()
  })
})

/** A scripted SqlSession (our own interface, not mysql2): answers by statement, throws like a server that lacks it. */
function scripted(answers: Record<string, unknown>): SqlSession {
  return {
    side: 'source',
    raw: undefined as never,
    close: async () => undefined,
    runLong: async () => undefined,
    query: async <T>(sql: string): Promise<T[]> => {
      if (!(sql in answers)) throw Object.assign(new Error(`unknown: ${sql}`), { errno: 1305 })
      return [{ [sql.endsWith(' AS v') ? 'v' : 'value']: answers[sql] }] as T[]
    },
  }
}

describe('detectServer flavours', () => {
  it('TiDB: version from tidb_version()', async () => {
    const info = await detectServer(
      scripted({
        'SELECT VERSION() AS v': '8.0.11-TiDB-v8.5.1',
        'SELECT tidb_version()': 'Release Version: v8.5.1\nEdition: Community',
      }),
    )
    expect(info).toMatchObject({ flavor: 'tidb', version: '8.5.1', auroraRole: null })
    expect(info.tidbVersionText).toMatch(/^Release Version/)
  })

  it('Aurora MySQL: writer and reader from innodb_read_only', async () => {
    for (const [readOnly, role] of [
      [0, 'writer'],
      [1, 'reader'],
    ] as const) {
      const info = await detectServer(
        scripted({
          'SELECT VERSION() AS v': '8.0.32',
          'SELECT @@aurora_version': '3.05.2',
          'SELECT @@innodb_read_only': readOnly,
        }),
      )
      expect(info).toMatchObject({ flavor: 'mysql', version: '8.0.32', auroraRole: role })
    }
  })

  it('plain MySQL 8.4 and MariaDB (no tidb_version / aurora_version queries needed for MariaDB)', async () => {
    expect(await detectServer(scripted({ 'SELECT VERSION() AS v': '8.4.3' }))).toMatchObject({
      flavor: 'mysql',
      version: '8.4.3',
      auroraRole: null,
      tidbVersionText: null,
    })
    expect(await detectServer(scripted({ 'SELECT VERSION() AS v': '5.5.5-10.6.18-MariaDB' }))).toMatchObject({
      flavor: 'mariadb',
      version: '10.6.18',
    })
  })
})
