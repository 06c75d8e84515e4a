/** Runs a job from its config to the end in an in-memory store, keeping its log lines (`level message`). */
import { jobConfigSchema } from '../../src/shared/domain/job'
import { startJob } from '../../src/main/engine/jobRunner'
import { openJobStore } from '../../src/main/store/jobStore'

export async function runJobToEnd(input: unknown) {
  const store = openJobStore(':memory:')
  const config = jobConfigSchema.parse(input)
  const job = store.createJob(config)
  const logs: string[] = []
  const outcome = await startJob(job, config, {
    store,
    log: (_id, level, message) => logs.push(`${level} ${message}`),
    stageChanged: () => undefined,
    progress: () => undefined,
  }).done
  return { store, job, outcome, log: logs.join('\n') }
}
