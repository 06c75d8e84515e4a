/**
 * Alerts in the served app: two jobs stopped longer than the threshold (one paused, one failed, their stored status
 * times set 7 h back as a previous run would have left them) show a banner on the jobs list naming the job, the
 * condition, since when and the action, and on the job's page; Resume clears it. The settings form shows the stored
 * thresholds with their defaults and refuses a bad value. Screenshots in both themes at 1024×700.
 */
import Database from 'better-sqlite3'
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
      const job = (name: string) =>
        store.createJob(
          jobConfigSchema.parse({
            name,
            // Nothing listens on port 9: a resumed job waits to reconnect, which is all this test needs.
            source: { host: '127.0.0.1', port: 9, user: 'migrator' },
            target: { host: '127.0.0.1', port: 9, user: 'root' },
            type: 'both',
            spec: { retryMinutes: 5 },
          }),
        )
      const paused = job('orders_nightly')
      const failed = job('crm_archive')
      job('quiet_job')
      store.updateJob(paused.id, { status: 'paused', stage: 'existing' })
      store.updateJob(failed.id, {
        status: 'failed',
        stage: 'incremental',
        lastError: {
          code: 'REPLICATE_DDL_FAILED',
          stage: 'incremental',
          retryable: false,
          message: 'x',
          workaround: 'y',
        },
      })
      store.saveSettings({ alerts: { stoppedMinutes: 300, lagSeconds: 60, lagRisingMinutes: 10 } })
      store.close()
      const raw = new Database(path)
      const sevenHoursAgo = new Date(Date.now() - 7 * 3_600_000).toISOString()
      raw.prepare("UPDATE jobs SET status_since = ? WHERE status IN ('paused', 'failed')").run(sevenHoursAgo)
      raw.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('a job stopped too long shows a banner with its action, on the list and on its page', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(app.url)

  const alerts = page.getByRole('region', { name: 'Alerts' })
  const paused = alerts.getByRole('alert').filter({ hasText: 'orders_nightly' })
  const failed = alerts.getByRole('alert').filter({ hasText: 'crm_archive' })
  await expect(paused).toContainText(/orders_nightly has been paused for 7 h 0 min \(since \w+ \d+, \d\d:\d\d/)
  await expect(paused).toContainText('Resume it when you are ready')
  await expect(paused.getByRole('button', { name: 'Resume orders_nightly' })).toBeVisible()
  await expect(paused.getByRole('button', { name: 'Open job' })).toBeVisible()
  await expect(failed).toContainText('crm_archive has been stopped by a failure for 7 h')
  await expect(failed).toContainText('Open the job to see why it failed')
  await expect(failed.getByRole('button', { name: /Resume/ })).toHaveCount(0)
  await expect(alerts.getByRole('alert')).toHaveCount(2)
  // The banner fits the narrow window: its buttons are inside the viewport.
  const box = await paused.getByRole('button', { name: 'Open job' }).boundingBox()
  expect(box!.x + box!.width).toBeLessThanOrEqual(1024)
  await shoot(page, 'alerts-jobs-list')

  await failed.getByRole('button', { name: 'Open job' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toContainText('crm_archive')
  await expect(page.getByRole('alert').filter({ hasText: 'The error below says why it failed' })).toBeVisible()
  await expect(page.getByRole('alert').filter({ hasText: 'orders_nightly' })).toHaveCount(0)
  await shoot(page, 'alerts-job-page')

  await page.getByRole('button', { name: 'Migration jobs' }).click()
  await paused.getByRole('button', { name: 'Resume orders_nightly' }).click()
  await expect(paused).toBeHidden({ timeout: 10_000 })
  await expect(alerts.getByRole('alert')).toHaveCount(1)
  // The job runs now (waiting to reconnect): the app says whether it keeps the computer awake.
  await expect(page.getByTestId('keep-awake')).toContainText('browser bridge cannot keep this computer awake')
  await shoot(page, 'alerts-cleared-keep-awake')
  await page.locator('tr[data-job="orders_nightly"]').getByRole('button', { name: 'Pause orders_nightly' }).click()
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})

test('the settings form shows the stored thresholds with their defaults and refuses a bad value', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(app.url)
  await page.getByRole('button', { name: 'Settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  const stopped = dialog.getByLabel('Alert when a job is paused, failed or interrupted for more than (minutes)')
  await expect(stopped).toHaveValue('300')
  await expect(dialog).toContainText('5 h. Default 360 (6 h)')
  await expect(dialog).toContainText('Default 60 (1 min)')
  await expect(dialog).toContainText('Default 10 (10 min)')
  await shoot(page, 'alerts-settings')

  await stopped.fill('0')
  await expect(dialog).toContainText('A whole number from 1 to 10,080.')
  await expect(dialog.getByRole('button', { name: 'Save' })).toBeDisabled()
  await shoot(page, 'alerts-settings-invalid')

  // 8 h: the failed job's 7 h no longer exceed it, and its alert clears.
  await stopped.fill('480')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByRole('region', { name: 'Alerts' })).toBeHidden()
  await page.getByRole('button', { name: 'Settings' }).click()
  await expect(stopped).toHaveValue('480')
  await dialog.getByRole('button', { name: 'Restore defaults' }).click()
  await expect(stopped).toHaveValue('360')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByRole('region', { name: 'Alerts' }).getByRole('alert')).toHaveCount(1)
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
