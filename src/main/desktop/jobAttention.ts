/**
 * Desktop manners while work runs: the machine stays awake while a job or a validation runs, and the user is
 * notified of what `attentionNotices.ts` maps to a notice (a job finished or failed, caught up, an alert, a
 * validation's result). This file only binds that mapping to Electron.
 */
import { Notification, powerSaveBlocker } from 'electron'
import type { EngineEvents } from '../engine/engineEvents'
import { noticeFor, trackAwakeWork } from './attentionNotices'

export function watchJobsForAttention(events: EngineEvents, jobName: (jobId: string) => string): () => void {
  const work = trackAwakeWork()
  let blocker: number | null = null

  const syncBlocker = () => {
    if (work.busy() && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension')
    if (!work.busy() && blocker !== null) {
      powerSaveBlocker.stop(blocker)
      blocker = null
    }
  }

  const unsubscribe = events.subscribe((channel, payload) => {
    const notice = noticeFor(channel, payload, { jobName, wasRunning: work.isRunning })
    if (work.apply(channel, payload)) syncBlocker()
    if (notice && Notification.isSupported()) new Notification(notice).show()
  })
  return () => {
    unsubscribe()
    work.clear()
    syncBlocker()
  }
}
