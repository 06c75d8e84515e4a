/**
 * Runs one stored job in its own process, so a test can SIGKILL it mid-replication (kill -9) and restart it.
 * Usage: node node_modules/.bin/jiti tests/replicate/jobProcess.ts <store path> <job id>, with the job's full
 * config (passwords included, as the store never keeps them) in CUTOVER_TEST_CONFIG. Prints one JSON line per
 * stage change and progress event; SIGTERM pauses the job (checkpoint) and exits 0.
 */
import { jobConfigSchema } from '../../src/shared/domain/job'
import { startJob } from '../../src/main/engine/jobRunner'
import { openJobStore } from '../../src/main/store/jobStore'
import { recordingHost } from '../existing/jobRun'

const [storePath, jobId] = process.argv.slice(2)
const store = openJobStore(storePath!)
const config = jobConfigSchema.parse(JSON.parse(process.env.CUTOVER_TEST_CONFIG ?? '{}'))
const job = store.getJob(jobId!)!
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)
const run = startJob(
  job,
  config,
  recordingHost(store, {
    log: (e) => print({ log: `${e.level} ${e.code ?? ''} ${e.message}` }),
    stageChanged: (e) => print({ stage: e.stage, status: e.status }),
    progress: (p) => print({ progress: { stage: p.stage, lagBytes: p.lagBytes, rows: p.rowsPerSecond } }),
  }),
  { heartbeatSeconds: 0.5 },
)
process.on('SIGTERM', () => run.pause())
void run.done.then((outcome) => {
  print({ outcome })
  store.close()
  process.exit(outcome === 'failed' ? 1 : 0)
})
