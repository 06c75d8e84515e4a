import { describe, expect, it } from 'vitest'
import { connectionSchema } from '../../src/shared/domain/connection'
import { openSession } from '../../src/main/engine/connect/openSession'
import { binlogStatusStatement, detectServer } from '../../src/main/engine/connect/serverInfo'
import { sourceServer } from '../harness/servers'

describe('detectServer against the harness source (MariaDB)', () => {
  it('reports MariaDB, its version, no Aurora role, and a binlog status statement that runs', async () => {
    const admin = sourceServer()
    const profile = connectionSchema.parse({
      host: admin.host,
      port: admin.port,
      user: admin.user,
      password: admin.password,
    })
    const session = await openSession(profile, 'source')
    try {
      const info = await detectServer(session)
      expect(info.flavor).toBe('mariadb')
      expect(info.versionString).toMatch(/MariaDB/)
      expect(info.version).toMatch(/^1\d\.\d+\.\d+$/)
      expect(info.versionString).toContain(info.version)
      expect(info.auroraRole).toBeNull()
      expect(info.tidbVersionText).toBeNull()
      const rows = await session.query<{ File: string; Position: string | number }>(binlogStatusStatement(info))
      expect(rows[0]?.File).toMatch(/^binlog\.\d+$/)
      // The session is UTC and utf8mb4 whatever the server's defaults are.
      const [settings] = await session.query<Record<string, string>>(
        'SELECT @@session.time_zone AS tz, @@character_set_client AS cs, @@character_set_results AS cr, @@character_set_connection AS cc',
      )
      expect(settings).toEqual({ tz: '+00:00', cs: 'utf8mb4', cr: 'utf8mb4', cc: 'utf8mb4' })
      const [echo] = await session.query<{ s: string }>("SELECT 'héllo 😀 世界' AS s")
      expect(echo?.s).toBe('héllo 😀 世界')
    } finally {
      await session.close()
    }
  })
})
