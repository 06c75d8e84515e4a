import { useEffect, useState } from 'react'
import type { JobProgress } from '../../../../shared/domain/events'
import { useStore } from '../../stores/store'

/**
 * The latest progress of one job, re-rendering at most every `intervalMs`: the store updates on every event,
 * but a list of a thousand tables has no reason to repaint more often than the eye can read it.
 */
export function useLiveProgress(jobId: string, intervalMs = 500): JobProgress | undefined {
  const [progress, setProgress] = useState(() => useStore.getState().progress[jobId])
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null
    let lastShown = 0
    setProgress(useStore.getState().progress[jobId])
    const unsubscribe = useStore.subscribe((state, previous) => {
      if (state.progress[jobId] === previous.progress[jobId] || timer) return
      const wait = Math.max(0, lastShown + intervalMs - Date.now())
      timer = setTimeout(() => {
        timer = null
        lastShown = Date.now()
        setProgress(useStore.getState().progress[jobId])
      }, wait)
    })
    return () => {
      unsubscribe()
      if (timer) clearTimeout(timer)
    }
  }, [jobId, intervalMs])
  return progress
}
