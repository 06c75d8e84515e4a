/**
 * `cutover schema-preview <job.yaml>`: the DDL the schema stage would run on the target, every rewrite it
 * makes and why, and the objects it will not create — shown before the job starts. Reads only.
 */
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import { openSession } from '../../engine/connect/openSession'
import { detectServer } from '../../engine/connect/serverInfo'
import { loadJobFile, passwordEnvironment } from '../../engine/jobFile/jobFile'
import { findToolTables } from '../../engine/replicate/onlineSchemaChange'
import { selectSchemaObjects } from '../../engine/schema/schemaObjects'
import { indexDeferral, planSchema, readTargetCapabilities } from '../../engine/schema/schemaStage'
import { fillPasswords } from '../passwordPrompt'

export function registerSchemaPreview(program: Command): void {
  program
    .command('schema-preview')
    .description('show the DDL the job will run on the target, with every rewrite and the objects it will not migrate')
    .argument('<job.yaml>', 'the job file')
    .option('--json', 'print JSON')
    .action(async (path: string, options: { json?: boolean }) => {
      try {
        const config = await fillPasswords(await loadJobFile(path), Boolean(process.stdin.isTTY), passwordEnvironment)
        const source = await openSession(config.source, 'source')
        const target = await openSession(config.target, 'target')
        try {
          const sourceInfo = await detectServer(source)
          const selected = await selectSchemaObjects(source, sourceInfo, config.objects)
          // As a job plans it: an online schema change tool's tables are not created (onlineSchemaChange.ts).
          const objects = { ...selected, tables: (await findToolTables(source, selected.tables)).tables }
          const targetInfo = await detectServer(target)
          const caps = await readTargetCapabilities(target, targetInfo, {
            databases: [...new Set(objects.tables.map((t) => t.schema))],
          })
          const plan = await planSchema(source, caps, objects, {
            deferIndexes: await indexDeferral(target, objects.tables, config.spec.deferIndexes, targetInfo.flavor),
          })
          if (options.json) {
            process.stdout.write(JSON.stringify(plan, null, 2) + '\n')
            return
          }
          for (const s of plan.statements) process.stdout.write(`-- ${s.kind} ${s.object}\n${s.sql};\n\n`)
          process.stdout.write(plan.rewrites.length === 0 ? 'No rewrites needed.\n' : 'Rewrites:\n')
          for (const r of plan.rewrites)
            process.stdout.write(`  ${r.object}: ${r.before} → ${r.after}  (${r.reason})\n`)
          for (const d of plan.deferredIndexes)
            process.stdout.write(`-- after the data of ${d.table}\n${d.statement};\n\n`)
          for (const o of plan.notMigrated) process.stdout.write(`Not migrated: ${o.kind} ${o.name}\n`)
        } finally {
          await source.close()
          await target.close()
        }
      } catch (error) {
        const e = error instanceof CutoverError ? error : null
        process.stderr.write(
          `cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`,
        )
        process.exitCode = 2
      }
    })
}
