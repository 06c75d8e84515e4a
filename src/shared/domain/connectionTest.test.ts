import { describe, expect, it } from 'vitest'
import type { ConnectionHopResult, ConnectionTestResult } from './connectionTest'
import { usableBeforeJobType } from './connectionTest'

const hop = (name: ConnectionHopResult['hop'], ok = true): ConnectionHopResult => ({ hop: name, ok, detail: '', ms: 1 })
const result = (side: 'source' | 'target', hops: ConnectionHopResult[]): ConnectionTestResult => ({
  ok: hops.every((h) => h.ok),
  side,
  hops,
  server: null,
  authPlugin: null,
  tls: null,
  binlog: null,
  sshHostKey: null,
  error: null,
})

describe('a connection before the job type is chosen', () => {
  const upToServer = [hop('tcp'), hop('tls'), hop('auth'), hop('query')]

  it('is usable when only the source binlog reader failed (an existing-data job never reads it)', () => {
    expect(usableBeforeJobType(result('source', [...upToServer, hop('binlog')]))).toBe(true)
    expect(usableBeforeJobType(result('source', [...upToServer, hop('binlog', false)]))).toBe(true)
  })

  it('is not usable when any other hop failed, or on the target', () => {
    expect(usableBeforeJobType(result('source', [hop('tcp'), hop('auth', false)]))).toBe(false)
    expect(usableBeforeJobType(result('source', [hop('tcp', false)]))).toBe(false)
    expect(usableBeforeJobType(result('target', [...upToServer, hop('binlog', false)]))).toBe(false)
  })
})
