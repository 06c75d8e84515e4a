/**
 * The jobs list at 1024×700 with long endpoints (managed-service host names): every column's content stays on screen,
 * the Delete button included, without a horizontal scrollbar. Screenshots in both themes.
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp

test.use({ viewport: { width: 1024, height: 700 } })

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      store.createJob(
        jobConfigSchema.parse({
          name: 'orders-to-tidb-cloud-serverless',
          source: { host: 'orders-primary.c9akciq32.eu-west-1.rds.amazonaws.com', port: 3306, user: 'migrator' },
          target: { host: 'gateway01.eu-central-1.prod.aws.tidbcloud.com', port: 4000, user: '2abcDEF.root' },
          type: 'both',
        }),
      )
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('the jobs table fits 1024 px: long endpoints wrap and Delete stays on screen', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  const row = page.locator('tr[data-job="orders-to-tidb-cloud-serverless"]')
  const remove = row.getByRole('button', { name: 'Delete orders-to-tidb-cloud-serverless' })
  await expect(remove).toBeVisible()
  const box = (await remove.boundingBox())!
  expect(box.x + box.width).toBeLessThanOrEqual(1024)
  const wrap = page.locator('.table-wrap')
  expect(await wrap.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true)
  await shoot(page, 'jobs-table-1024')
  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})
