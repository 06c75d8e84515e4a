import type { Engine } from '../engine/engine'
import { passwordEnvironment } from '../engine/jobFile/jobFile'
/** Asks for a password on the terminal without echoing it; only called when stdin is a TTY. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  return new Promise((resolve, reject) => {
    process.stderr.write(question)
    let value = ''
    const wasRaw = stdin.isRaw
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (error: Error | null) => {
      stdin.setRawMode(wasRaw)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(value)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null)
        if (ch === '\u0003') return done(new Error('cancelled'))
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * A job file's config with the passwords the file left out: from the environment (read by loadJobFile),
 * else asked on the terminal when there is one, else none.
 */
export async function fillPasswords(
  config: import('../../shared/domain/job').JobConfig,
  interactive: boolean,
  environmentNames: Record<'source' | 'target', string>,
): Promise<import('../../shared/domain/job').JobConfig> {
  const filled = { ...config }
  for (const side of ['source', 'target'] as const) {
    if (filled[side].password !== undefined || !interactive) continue
    const profile = filled[side]
    const answer = await promptHidden(
      `Password for ${side} ${profile.user}@${profile.host}:${profile.port} (or set ${environmentNames[side]}): `,
    )
    filled[side] = { ...profile, password: answer }
  }
  return filled
}

/**
 * Gives a stored job this process's passwords: the store keeps none for the CLI, so they come from the environment
 * (CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD), else a prompt on a terminal.
 */
export async function provideStoredJobPasswords(
  engine: Engine,
  jobId: string,
  io: { interactive: boolean; env: Record<string, string | undefined> },
): Promise<void> {
  const stored = engine.store.getJob(jobId)!.config
  const config = await fillPasswords(
    {
      ...stored,
      source: { ...stored.source, password: io.env[passwordEnvironment.source] },
      target: { ...stored.target, password: io.env[passwordEnvironment.target] },
    },
    io.interactive,
    passwordEnvironment,
  )
  engine.provideSecrets(jobId, config)
}
