/** `cutover test-connection job.yaml`: the wizard's connection test from a script; exit 0 ok, 1 a hop failed, 2 bad input. */
import type { Command } from 'commander'
import type { ConnectionTestResult } from '../../../shared/domain/connectionTest'
import { isCutoverErrorShape, workaroundFor } from '../../../shared/domain/errors'
import type { JobConfig } from '../../../shared/domain/job'
import { testConnection } from '../../engine/connect/testConnection'
import { loadJobFile } from '../../engine/jobFile/jobFile'

const sides = ['source', 'target', 'both'] as const
type SideChoice = (typeof sides)[number]

export interface TestConnectionCliOptions {
  json?: boolean
  side?: string
}

export interface CliOutput {
  out(text: string): void
  err(text: string): void
}

function endpoint(profile: JobConfig['source']): string {
  return `${profile.user}@${profile.host}:${profile.port}${profile.ssh ? ` via SSH ${profile.ssh.user}@${profile.ssh.host}:${profile.ssh.port}` : ''}`
}

function humanReport(result: ConnectionTestResult, profile: JobConfig['source']): string {
  const title = result.side === 'source' ? 'Source' : 'Target'
  const lines = [`${title}  ${endpoint(profile)}  tls ${profile.tls.mode}`]
  for (const hop of result.hops) {
    const mark = hop.ok ? '✓' : '✗'
    if (hop.ok) {
      lines.push(`  ${mark} ${hop.hop.padEnd(6)} ${hop.detail} (${hop.ms} ms)`)
      continue
    }
    lines.push(`  ${mark} ${hop.hop.padEnd(6)} ${result.error?.message ?? hop.detail}`)
    if (result.error)
      lines.push(`           Fix: ${workaroundFor(result.error, 'cli')}`, `           Code: ${result.error.code}`)
  }
  lines.push(result.ok ? `  ${title} OK.` : `  ${title} FAILED at the ${result.hops.at(-1)?.hop ?? 'first'} hop.`)
  return lines.join('\n') + '\n'
}

/** The command's body, apart from commander and process.exit so tests can run it in-process. Returns the exit code. */
export async function runTestConnection(
  jobFile: string,
  options: TestConnectionCliOptions,
  output: CliOutput,
  signal?: AbortSignal,
): Promise<number> {
  const side = (options.side ?? 'both') as SideChoice
  if (!sides.includes(side)) {
    output.err(`cutover: --side must be source, target or both, not "${options.side}"\n`)
    return 2
  }
  let config: JobConfig
  try {
    config = await loadJobFile(jobFile)
  } catch (error) {
    if (options.json && isCutoverErrorShape(error)) {
      const { code, message } = error
      output.out(
        JSON.stringify({ ok: false, error: { code, message, workaround: workaroundFor(error, 'cli') } }, null, 2) +
          '\n',
      )
    } else {
      output.err(`cutover: ${error instanceof Error ? error.message : String(error)}\n`)
      if (isCutoverErrorShape(error)) output.err(`Fix: ${workaroundFor(error, 'cli')}\n`)
    }
    return 2
  }

  const chosen = side === 'both' ? (['source', 'target'] as const) : ([side] as const)
  const results: Partial<Record<'source' | 'target', ConnectionTestResult>> = {}
  for (const name of chosen) {
    const result = await testConnection(config[name], name, { signal })
    results[name] = result
    if (!options.json) output.out(humanReport(result, config[name]))
  }
  const ok = chosen.every((name) => results[name]?.ok)
  // The results hold no profile, so no password can reach stdout.
  if (options.json) output.out(JSON.stringify({ ok, ...results }, null, 2) + '\n')
  return ok ? 0 : 1
}

export function registerTestConnection(program: Command): void {
  program
    .command('test-connection')
    .description(
      'test the source and target connections of a job file, hop by hop (DNS, SSH, TCP, TLS, login, server, binlog)',
    )
    .argument('<job.yaml>', 'job file; passwords may come from CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD')
    .option('--json', 'print the results as JSON')
    .option('--side <side>', 'source, target or both', 'both')
    .action(async (jobFile: string, options: TestConnectionCliOptions) => {
      const controller = new AbortController()
      const onInterrupt = (): void => controller.abort()
      process.once('SIGINT', onInterrupt)
      try {
        process.exitCode = await runTestConnection(
          jobFile,
          options,
          { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
          controller.signal,
        )
      } finally {
        process.off('SIGINT', onInterrupt)
      }
    })
}
