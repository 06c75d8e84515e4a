import { describe, expect, it } from 'vitest'
import { CutoverError } from '../../shared/domain/errors'
import { backoff, budgetExhausted, createRetryPolicy, isTransient } from './retryPolicy'

describe('retry policy', () => {
  it('backs off exponentially up to the cap, and gives up once the outage has lasted the budget', () => {
    let now = 1_000_000
    const policy = createRetryPolicy({ budgetMs: 60_000, baseMs: 1000, capMs: 8000, now: () => now })
    const delays: number[] = []
    for (;;) {
      const decision = policy.failed()
      if (!decision.retry) {
        expect(decision.spentMs).toBe(60_000)
        expect(decision.attempts).toBe(delays.length + 1)
        break
      }
      expect(decision.attempt).toBe(delays.length + 1)
      expect(decision.givesUpAt).toBe(1_000_000 + 60_000)
      expect(decision.nextAttemptAt).toBe(now + decision.delayMs)
      delays.push(decision.delayMs)
      now += decision.delayMs
    }
    // 1+2+4+8 = 15 s, then 8 s each; the last wait is cut to end at the budget, where the last attempt runs.
    expect(delays.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
    expect(delays.reduce((a, b) => a + b, 0)).toBe(60_000)
  })

  it('starts a new outage with the whole budget after the work moved forward', () => {
    let now = 0
    const policy = createRetryPolicy({ budgetMs: 10_000, baseMs: 1000, now: () => now })
    expect(policy.recovered()).toBe(false)
    policy.failed()
    now += 9000
    const late = policy.failed()
    expect(late.retry && late.attempt).toBe(2)
    expect(policy.recovered()).toBe(true)
    now += 60_000
    const fresh = policy.failed()
    expect(fresh).toMatchObject({ retry: true, attempt: 1, delayMs: 1000, givesUpAt: now + 10_000 })
  })

  it('does not retry with a budget of 0', () => {
    expect(createRetryPolicy({ budgetMs: 0 }).failed().retry).toBe(false)
  })

  it('tells transient errors from those another attempt cannot fix', () => {
    for (const e of [
      { code: 'ECONNRESET' },
      { code: 'ECONNREFUSED' },
      { code: 'PROTOCOL_CONNECTION_LOST' },
      { code: 'PROTOCOL_SEQUENCE_TIMEOUT' },
      { code: 'ETIMEDOUT' },
      { errno: 2013 },
      { errno: 1213 },
      { errno: 1927 },
      { fatal: true, message: "Can't add new command when connection is in closed state" },
      new CutoverError({ code: 'CONN_REFUSED', message: 'refused', workaround: 'w', retryable: true }),
    ])
      expect(isTransient(e), JSON.stringify(e)).toBe(true)
    for (const e of [
      { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' },
      { errno: 1062, code: 'ER_DUP_ENTRY' },
      { errno: 1064, code: 'ER_PARSE_ERROR' },
      new Error('a bug'),
      null,
      new CutoverError({ code: 'CONN_AUTH', message: 'denied', workaround: 'w' }),
    ])
      expect(isTransient(e), JSON.stringify(e)).toBe(false)
  })

  it('names the lost server, the time spent and the fix when the budget is spent', () => {
    const error = budgetExhausted({
      cause: new CutoverError({ code: 'CONN_REFUSED', message: 'Nothing accepts connections.', workaround: 'w' }),
      stage: 'existing',
      server: 'the target (db.example:4000)',
      attempts: 9,
      spentMs: 125_000,
      budgetMs: 120_000,
    })
    expect(error.code).toBe('RETRY_BUDGET_EXHAUSTED')
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/the target \(db\.example:4000\).*2 min 5 s \(9 attempts.*budget is 2 min 0 s\)/)
    expect(error.message).toMatch(/\[CONN_REFUSED\] Nothing accepts connections\./)
    expect(error.workaround).toMatch(/VPN.*Resume the job/)
  })

  it('ends a backoff at once when the run is paused', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const waiting = backoff(60_000, controller.signal)
    setTimeout(() => controller.abort(), 20)
    await waiting
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
