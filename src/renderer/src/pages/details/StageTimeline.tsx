import type { Stage } from '../../../../shared/domain/errors'
import type { JobDetail } from '../../../../shared/domain/job'
import { Elapsed } from './Elapsed'

const titles: Record<Stage, string> = {
  precheck: 'Precheck',
  schema: 'Schema',
  existing: 'Existing data',
  incremental: 'Incremental',
}
const stagesOf: Record<JobDetail['type'], Stage[]> = {
  existing: ['precheck', 'schema', 'existing'],
  incremental: ['precheck', 'incremental'],
  both: ['precheck', 'schema', 'existing', 'incremental'],
}

type StepState = 'done' | 'active' | 'paused' | 'failed' | 'pending'

function stateOf(job: JobDetail, index: number, stages: Stage[]): StepState {
  // A job that has run at all has passed its precheck (the wizard and the CLI both run it before starting).
  const current = job.stage ? stages.indexOf(job.stage) : job.status === 'created' ? -1 : 0
  if (job.status === 'finished' || job.status === 'cutover') return 'done'
  if (index < current || (index === 0 && current > 0)) return 'done'
  if (index === current)
    return job.status === 'running'
      ? 'active'
      : job.status === 'failed'
        ? 'failed'
        : job.status === 'paused' || job.status === 'interrupted'
          ? 'paused'
          : 'pending'
  return 'pending'
}

const stateText: Record<StepState, string> = {
  done: 'Done',
  active: 'In progress',
  paused: 'Paused',
  failed: 'Failed',
  pending: 'Not started',
}

export function StageTimeline({ job }: { job: JobDetail }) {
  const stages = stagesOf[job.type]
  return (
    <ol className="timeline" aria-label="Stages">
      {stages.map((stage, i) => {
        const state = stateOf(job, i, stages)
        const times = job.stageTimes[stage]
        return (
          <li
            key={stage}
            className={`timeline-step timeline-${state}`}
            aria-current={state === 'active' ? 'step' : undefined}
          >
            <span className="timeline-dot" aria-hidden="true">
              {state === 'done' ? '✓' : state === 'failed' ? '✗' : state === 'paused' ? 'Ⅱ' : i + 1}
            </span>
            <span className="timeline-text">
              <span className="timeline-title">{titles[stage]}</span>
              <span className="timeline-state">
                {stateText[state]}
                {times && stage !== 'precheck' && (
                  <>
                    {' · '}
                    {/* A finished stage shows how long it took; the running one counts, a stopped one holds. */}
                    <Elapsed
                      since={times.startedAt}
                      until={times.finishedAt ?? (state === 'active' ? null : job.updatedAt)}
                    />
                  </>
                )}
              </span>
            </span>
          </li>
        )
      })}
    </ol>
  )
}
