import { describe, expect, it } from 'vitest'
import { createThrottler } from './throttler'

describe('export throttle', () => {
  it('holds readers to the configured MB/s, and lets them run free at 0', async () => {
    const throttler = createThrottler(4) // 4 MiB/s
    const started = performance.now()
    for (let i = 0; i < 20; i++) await throttler.take(100 * 1024) // ~2 MiB
    const seconds = (performance.now() - started) / 1000
    expect(seconds).toBeGreaterThan(0.3) // 2 MiB at 4 MiB/s, less the 1 MiB burst
    expect(seconds).toBeLessThan(0.9)

    throttler.setRate(0)
    const free = performance.now()
    for (let i = 0; i < 1000; i++) await throttler.take(1024 * 1024)
    expect(performance.now() - free).toBeLessThan(100)
  })
})
