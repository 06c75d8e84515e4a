import { describe, expect, it } from 'vitest'
import type { SqlSession } from '../connect/session'
import { warningsFailure } from './targetWarnings'

/** A session whose SHOW WARNINGS fails as given: our own session interface, not the driver. */
function sessionFailing(error: Error & { code?: string }): SqlSession {
  return { query: async () => Promise.reject(error) } as unknown as SqlSession
}

describe('warningsFailure', () => {
  it('passes on a lost connection instead of reporting unknown warnings', async () => {
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    await expect(warningsFailure(sessionFailing(lost), 'LOAD DATA', 2)).rejects.toBe(lost)
  })

  it('reports warnings it could not list for any other failure', async () => {
    const refused = Object.assign(new Error('denied'), { code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' })
    const failure = await warningsFailure(sessionFailing(refused), 'LOAD DATA', 2)
    expect(failure?.count).toBe(2)
  })
})
