/** Runs a job from its config to the end in an in-memory store, keeping its log lines (`level message`). */
import type { JobLogEntry, JobProgress, JobStageChanged } from '../../src/shared/domain/events'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { EventPayload } from '../../src/shared/ipc/contract'
import { createEngineEvents } from '../../src/main/engine/engineEvents'
import { startJob, type RunnerHost } from '../../src/main/engine/jobRunner'
import { openJobStore, type JobStore } from '../../src/main/store/jobStore'

/** A runner host over `store` whose events go to the given recorders. */
export function recordingHost(
  store: JobStore,
  on: {
    log?(entry: JobLogEntry): void
    progress?(progress: JobProgress): void
    stageChanged?(change: JobStageChanged): void
  },
): RunnerHost {
  const events = createEngineEvents()
  events.subscribe((channel, payload) => {
    if (channel === 'job:log') on.log?.(payload as EventPayload<'job:log'>)
    else if (channel === 'job:progress') on.progress?.(payload as EventPayload<'job:progress'>)
    else if (channel === 'job:stageChanged') on.stageChanged?.(payload as EventPayload<'job:stageChanged'>)
  })
  return { store, events }
}

export async function runJobToEnd(input: unknown) {
  const store = openJobStore(':memory:')
  const config = jobConfigSchema.parse(input)
  const job = store.createJob(config)
  const logs: string[] = []
  const host = recordingHost(store, { log: (e) => logs.push(`${e.level} ${e.message}`) })
  const outcome = await startJob(job, config, host).done
  return { store, job, outcome, log: logs.join('\n') }
}
