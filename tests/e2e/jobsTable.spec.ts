/**
 * The jobs list at 1024×700 with several jobs (long names, managed-service host names, start times, every kind of
 * action): every action of every row can be reached, Delete included. Screenshots in both themes.
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import type { JobStatus } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp

test.use({ viewport: { width: 1024, height: 700 } })

const jobs: { name: string; status: JobStatus; action: string }[] = [
  { name: 'orders-to-tidb-cloud-serverless', status: 'created', action: 'Start' },
  { name: 'customer-accounts-eu-west-1-primary-to-tidb-cloud-dedicated', status: 'paused', action: 'Resume' },
  { name: 'billing-history-archive-2019-2024', status: 'failed', action: 'Restart' },
  { name: 'inventory_and_warehouse_events_replication', status: 'interrupted', action: 'Resume' },
]

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      jobs.forEach(({ name, status }, i) => {
        const job = store.createJob(
          jobConfigSchema.parse({
            name,
            source: {
              host: `${name.slice(0, 20)}.c9akciq32.eu-west-1.rds.amazonaws.com`,
              port: 3306,
              user: 'migrator',
            },
            target: { host: 'gateway01.eu-central-1.prod.aws.tidbcloud.com', port: 4000, user: '2abcDEF.root' },
            type: 'both',
          }),
        )
        if (status !== 'created') {
          store.updateJob(job.id, {
            status,
            stage: 'existing',
            startedAt: new Date(Date.UTC(2026, 11, 7, 9, 5 + i, 30)).toISOString(),
          })
        }
      })
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('the jobs table at 1024 px: every action of every row is on screen, Delete included', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  const wrap = page.locator('.table-wrap')
  await expect(page.locator('tr[data-job]')).toHaveCount(jobs.length)
  const frame = (await wrap.boundingBox())!
  for (const { name, action } of jobs) {
    const row = page.locator(`tr[data-job="${name}"]`)
    for (const label of [action, 'Delete']) {
      const button = row.getByRole('button', { name: `${label} ${name}` })
      await expect(button).toBeVisible()
      // Inside the table's frame, which would clip (not the viewport, which only the frame's scrollbar reaches).
      const box = (await button.boundingBox())!
      expect(box.x, `${label} ${name}`).toBeGreaterThanOrEqual(frame.x)
      expect(box.x + box.width, `${label} ${name}`).toBeLessThanOrEqual(frame.x + frame.width)
    }
  }
  // Nothing to scroll to: the table is no wider than its frame.
  const [scrollWidth, clientWidth] = await wrap.evaluate((e) => [e.scrollWidth, e.clientWidth])
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth!)
  await shoot(page, 'jobs-table-1024')

  // Delete asks first, from the last row's own button.
  const last = jobs[jobs.length - 1]!
  await page.getByRole('button', { name: `Delete ${last.name}` }).click()
  await expect(page.getByRole('dialog', { name: `Delete the job “${last.name}”?` })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})
