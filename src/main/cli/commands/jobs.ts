import type { Command } from 'commander'
import { openEngine } from '../cliHost'

export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list the jobs in the store')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--json', 'print JSON')
    .action((options: { store?: string; json?: boolean }) => {
      const engine = openEngine(options.store)
      try {
        const jobs = engine.listJobs()
        if (options.json) {
          process.stdout.write(JSON.stringify(jobs, null, 2) + '\n')
          return
        }
        if (jobs.length === 0) {
          process.stdout.write('No jobs yet. Create one in the app, or run `cutover run job.yaml`.\n')
          return
        }
        const rows = jobs.map((j) => [j.name, j.type, j.mode, j.stage ?? '-', j.status, `${j.source} → ${j.target}`])
        const header = ['NAME', 'TYPE', 'MODE', 'STAGE', 'STATUS', 'SOURCE → TARGET']
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
        for (const row of [header, ...rows]) {
          process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n')
        }
      } finally {
        engine.close()
      }
    })
}
