import { describe, expect, it } from 'vitest'
import type { JobProgress } from '../../shared/domain/events'
import { openJobStore } from '../store/jobStore'
import { jobConfigSchema } from '../../shared/domain/job'
import { createHistoryRecorder } from './progressHistory'

const progress = (jobId: string, rows: number, lag: number | null): JobProgress => ({
  jobId,
  stage: lag === null ? 'existing' : 'incremental',
  tables: [],
  rowsPerSecond: rows,
  bytesPerSecond: rows * 100,
  lagSeconds: lag,
  lagBytes: null,
  etaSeconds: null,
})

describe('createHistoryRecorder', () => {
  it('stores one sample per 5 s bucket: mean rates, highest lag; the open bucket when the run ends', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(
      jobConfigSchema.parse({ name: 'h', source: { host: 's', user: 'u' }, target: { host: 't', user: 'u' } }),
    )
    const recorder = createHistoryRecorder(store)
    const t0 = 1_000_000_000_000
    // Four events a second for 10 s: 100 rows/s, then 300 rows/s with lag.
    for (let ms = 0; ms < 10_000; ms += 250)
      recorder.add(ms < 5_000 ? progress(job.id, 100, null) : progress(job.id, 300, ms / 1000), t0 + ms)
    expect(store.listSamples(job.id)).toEqual([
      { t: t0, spanMs: 5_000, stage: 'existing', rowsPerSecond: 100, bytesPerSecond: 10_000, lagSeconds: null },
    ])
    recorder.flush(job.id)
    expect(store.listSamples(job.id)[1]).toEqual({
      t: t0 + 5_000,
      spanMs: 5_000,
      stage: 'incremental',
      rowsPerSecond: 300,
      bytesPerSecond: 30_000,
      lagSeconds: 9.75,
    })
    recorder.flush(job.id)
    expect(store.listSamples(job.id)).toHaveLength(2)
    store.close()
  })
})
