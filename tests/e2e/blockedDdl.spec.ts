/**
 * A job stopped by a replicated DDL shows the statement on its details page with the DBA's two choices: skip it, or
 * run other statements in its place. The choice is stored for the job's resume and recorded in its log (the resume
 * itself is tested against real servers in tests/replicate/ddlDecision.test.ts).
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let storePath = ''

function stoppedJob(path: string, name: string, statement: string) {
  const store = openJobStore(path)
  const job = store.createJob(
    jobConfigSchema.parse({
      name,
      source: { host: '127.0.0.1', port: 9, user: 'migrator' },
      target: { host: '127.0.0.1', port: 9, user: 'root' },
      type: 'both',
    }),
  )
  store.saveBlockedDdl(job.id, {
    at: { file: 'binlog.000003', position: 81234 },
    statement,
    reason: 'TiDB has no faithful form of an INVISIBLE column',
  })
  store.updateJob(job.id, {
    status: 'failed',
    stage: 'incremental',
    lastError: {
      code: 'REPLICATE_DDL_UNSUPPORTED',
      stage: 'incremental',
      retryable: false,
      message: `TiDB has no faithful form of an INVISIBLE column, in the replicated statement: ${statement}`,
      workaround: 'Make the column visible on the source, then resume; or skip this DDL, or replace it.',
    },
  })
  store.close()
}

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      storePath = path
      stoppedJob(path, 'to-skip', 'ALTER TABLE shop.orders ENGINE=Aria')
      stoppedJob(path, 'to-replace', 'ALTER TABLE shop.orders ADD COLUMN note INT INVISIBLE')
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('the DDL that stopped a job can be skipped or replaced from its page', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.locator('tr[data-job="to-replace"]').getByRole('button', { name: 'to-replace', exact: true }).click()
  const panel = page.getByTestId('blocked-ddl')
  await expect(panel).toContainText('At binlog.000003:81234 the source ran:')
  await expect(panel).toContainText('ALTER TABLE shop.orders ADD COLUMN note INT INVISIBLE')
  const replace = panel.getByRole('button', { name: 'Replace with these statements' })
  await expect(replace).toBeDisabled()
  await panel.getByLabel(/Statements to run instead/).fill('ALTER TABLE shop.orders ADD COLUMN note INT;\n')
  await shoot(page, 'details-blocked-ddl')
  await replace.click()
  await expect(page.getByTestId('blocked-ddl-decision')).toContainText(
    'Decided: replaced by 1 statement when the job resumes. Resume the job to apply it.',
  )
  await expect(
    page
      .getByText(
        /REPLICATE_DDL_DECIDED|is replaced when the job resumes by: ALTER TABLE shop\.orders ADD COLUMN note INT/,
      )
      .first(),
  ).toBeVisible()

  await page.goto(app.url)
  await page.locator('tr[data-job="to-skip"]').getByRole('button', { name: 'to-skip', exact: true }).click()
  await page.getByTestId('blocked-ddl').getByRole('button', { name: 'Skip this DDL' }).click()
  await expect(page.getByTestId('blocked-ddl-decision')).toContainText('Decided: it is skipped when the job resumes.')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])

  const store = openJobStore(storePath)
  try {
    const decided = store
      .listJobs()
      .map((j) => [j.name, store.blockedDdl(j.id)?.action, store.blockedDdl(j.id)?.replacement])
    expect(decided).toEqual(
      expect.arrayContaining([
        ['to-skip', 'skip', []],
        ['to-replace', 'replace', ['ALTER TABLE shop.orders ADD COLUMN note INT']],
      ]),
    )
  } finally {
    store.close()
  }
})
