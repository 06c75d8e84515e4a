/**
 * The page's route lives in the URL's hash: a reload keeps the job (or the wizard) open, back and forward move
 * between the pages seen, and the bridge's token path stays as it was. Screenshots in both themes at 1024×700.
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let jobId = ''

test.use({ viewport: { width: 1024, height: 700 } })

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      for (const name of ['orders-nightly', 'billing-archive']) {
        const job = store.createJob(
          jobConfigSchema.parse({
            name,
            source: { host: '127.0.0.1', port: 9, user: 'migrator' },
            target: { host: '127.0.0.1', port: 9, user: 'root' },
            type: 'existing',
          }),
        )
        if (name === 'billing-archive') jobId = job.id
      }
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('a reload keeps the open job, back returns to the list, forward to the job again', async ({ page }) => {
  const watch = await watchConsole(page)
  const token = new URL(app.url).pathname
  await page.goto(app.url)
  await expect(page).toHaveURL(`${app.url}#/jobs`)
  await page
    .locator('tr[data-job="orders-nightly"]')
    .getByRole('button', { name: 'orders-nightly', exact: true })
    .click()
  const title = page.getByRole('heading', { level: 1 })
  await expect(title).toContainText('orders-nightly')
  await expect(page).toHaveURL(`${app.url}#/jobs/orders-nightly`)

  await page.reload()
  await expect(title).toContainText('orders-nightly')
  await expect(page.getByText('Loading…')).toHaveCount(0)
  expect(new URL(page.url()).pathname).toBe(token)
  await shoot(page, 'route-job-after-reload')

  await page.goBack()
  await expect(page.getByRole('heading', { level: 1, name: 'Migration jobs' })).toBeVisible()
  await expect(page).toHaveURL(`${app.url}#/jobs`)
  await page.goForward()
  await expect(title).toContainText('orders-nightly')

  // The wizard has its own route, and the header's Jobs link goes back to the list with a history entry.
  await page.getByRole('button', { name: 'Create job' }).click()
  await expect(page).toHaveURL(`${app.url}#/create`)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/create/i)
  await page.goBack()
  await expect(title).toContainText('orders-nightly')

  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})

test('a URL names a job by its id as well as by its name; an unknown one says so', async ({ page }) => {
  await page.goto(`${app.url}#/jobs/${jobId}`)
  await expect(page.getByRole('heading', { level: 1 })).toContainText('billing-archive')
  await page.goto(`${app.url}#/jobs/no-such-job`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Job not found')
  await expect(page.getByText('There is no job "no-such-job".')).toBeVisible()
  await shoot(page, 'route-unknown-job')
})
