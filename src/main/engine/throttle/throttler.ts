/**
 * The export-rate cap (MB/s) shared by all readers of a job: a token bucket whose rate can change while
 * the job runs. Readers take bytes in batches; 0 MB/s means unlimited.
 */
export interface Throttler {
  /** Takes `bytes` and returns how long to wait before sending them (0 when within the rate). */
  delayFor(bytes: number): number
  take(bytes: number, signal?: AbortSignal): Promise<void>
  setRate(megabytesPerSecond: number): void
  readonly rate: number
}

export function createThrottler(megabytesPerSecond: number, now: () => number = () => performance.now()): Throttler {
  let bytesPerMs = (megabytesPerSecond * 1024 * 1024) / 1000
  let available = 0
  let last = now()
  // Allow a burst of a quarter second so small batches do not each wait.
  const burst = () => bytesPerMs * 250

  const delayFor = (bytes: number): number => {
    if (bytesPerMs <= 0) return 0
    const t = now()
    available = Math.min(burst(), available + (t - last) * bytesPerMs)
    last = t
    available -= bytes
    return available >= 0 ? 0 : -available / bytesPerMs
  }

  return {
    get rate() {
      return (bytesPerMs * 1000) / (1024 * 1024)
    },
    setRate(mbps) {
      bytesPerMs = (Math.max(0, mbps) * 1024 * 1024) / 1000
    },
    delayFor,
    async take(bytes, signal) {
      const waitMs = delayFor(bytes)
      if (waitMs <= 0) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs)
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
    },
  }
}
