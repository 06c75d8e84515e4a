/**
 * Desktop manners while jobs run: the machine stays awake (a sleeping laptop drops the binlog connection and
 * stretches the downtime window), and the user is told when a job finishes, fails or catches up.
 */
import { Notification, powerSaveBlocker } from 'electron'
import type { EngineEvents } from '../engine/engineEvents'
import type { JobLogEntry, JobStageChanged } from '../../shared/domain/events'

export function watchJobsForAttention(events: EngineEvents, jobName: (jobId: string) => string): () => void {
  const running = new Set<string>()
  let blocker: number | null = null

  const notify = (title: string, body: string) => {
    if (Notification.isSupported()) new Notification({ title, body }).show()
  }
  const syncBlocker = () => {
    if (running.size > 0 && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension')
    if (running.size === 0 && blocker !== null) {
      powerSaveBlocker.stop(blocker)
      blocker = null
    }
  }

  const unsubscribe = events.subscribe((channel, payload) => {
    if (channel === 'job:stageChanged') {
      const change = payload as JobStageChanged
      const wasRunning = running.has(change.jobId)
      if (change.status === 'running') running.add(change.jobId)
      else running.delete(change.jobId)
      syncBlocker()
      if (wasRunning && change.status === 'finished') notify('Migration finished', `${jobName(change.jobId)} copied all its data.`)
      if (wasRunning && change.status === 'failed') {
        notify('Migration failed', `${jobName(change.jobId)}: ${change.error?.message ?? 'see the job log'}`)
      }
    }
    if (channel === 'job:log' && (payload as JobLogEntry).code === 'REPLICATE_CAUGHT_UP') {
      const entry = payload as JobLogEntry
      notify('Caught up', `${jobName(entry.jobId)} has replicated every change (lag 0): ready for cutover.`)
    }
  })
  return () => {
    unsubscribe()
    running.clear()
    syncBlocker()
  }
}
