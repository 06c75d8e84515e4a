/**
 * A running job that cannot reach its source shows "Reconnecting" on its details page: the next attempt's time, the
 * attempt number, when it gives up, and the error; Pause ends the wait.
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      store.createJob(
        jobConfigSchema.parse({
          name: 'unreachable',
          // Nothing listens on port 9: every connection is refused, a transient error the job retries.
          source: { host: '127.0.0.1', port: 9, user: 'migrator' },
          target: { host: '127.0.0.1', port: 9, user: 'root' },
          type: 'existing',
          spec: { retryMinutes: 5 },
        }),
      )
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('a job that lost its source shows when it tries again and when it gives up', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await page.setViewportSize({ width: 1024, height: 700 })
  const row = page.locator('tr[data-job="unreachable"]')
  await row.getByRole('button', { name: 'Start unreachable' }).click()
  await row.getByRole('button', { name: 'unreachable', exact: true }).click()

  const notice = page.getByRole('status').filter({ hasText: 'Reconnecting' })
  await expect(notice).toBeVisible({ timeout: 20_000 })
  await expect(notice).toContainText(
    /Reconnecting — next attempt at \d\d:\d\d:\d\d \(attempt \d+, gives up at \d\d:\d\d:\d\d\)/,
  )
  await expect(notice).toContainText('Lost the source (127.0.0.1:9)')
  await expect(notice).toContainText('CONN_REFUSED')
  // The attempts go on: a later one replaces the notice's attempt number.
  await expect(notice).toContainText(/attempt [2-9]/, { timeout: 20_000 })
  await expect(page.getByText(/Reconnecting in \d+ s from the last checkpoint/).first()).toBeVisible()
  await shoot(page, 'details-reconnecting')

  await page.getByRole('button', { name: 'Pause', exact: true }).click()
  await expect(notice).toBeHidden({ timeout: 10_000 })
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
