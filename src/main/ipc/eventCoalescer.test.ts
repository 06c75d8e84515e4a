import { describe, expect, it, vi } from 'vitest'
import type { JobProgress } from '../../shared/domain/events'
import { createCoalescer } from './eventCoalescer'

const progress = (jobId: string, rows: number): JobProgress => ({
  jobId,
  stage: 'existing',
  tables: [],
  rowsPerSecond: rows,
  bytesPerSecond: 0,
  lagSeconds: null,
  lagBytes: null,
  etaSeconds: null,
})

describe('event coalescer', () => {
  it('sends only the latest progress per job per interval, and flushes it before any other event', () => {
    vi.useFakeTimers()
    const sent: [string, unknown][] = []
    const c = createCoalescer((channel, payload) => sent.push([channel, payload]), 250)
    for (let i = 1; i <= 100; i++) c.listener('job:progress', progress('a', i))
    c.listener('job:progress', progress('b', 7))
    expect(sent).toEqual([])
    vi.advanceTimersByTime(250)
    expect(sent).toEqual([
      ['job:progress', progress('a', 100)],
      ['job:progress', progress('b', 7)],
    ])
    c.listener('job:progress', progress('a', 101))
    c.listener('job:stageChanged', { jobId: 'a', stage: 'incremental', status: 'running', error: null })
    expect(sent.slice(2).map(([channel]) => channel)).toEqual(['job:progress', 'job:stageChanged'])
    c.stop()
    vi.useRealTimers()
  })
})
