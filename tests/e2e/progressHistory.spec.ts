/**
 * A copy on its job page, through `cutover serve` in Chromium at 1024×700: each table shows its phase (queued,
 * copying, done) while a throttled copy runs; once finished, the copy's time holds still and the charts show the
 * whole run from the store, after leaving the page and coming back, and after a reload.
 */
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../harness/mariadb'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let source: MariaDbServer
let target: MariaDbServer

test.use({ viewport: { width: 1024, height: 700 } })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  ;[source, target] = await Promise.all([
    startMariaDb({ name: 'e2e-progress-source' }),
    startMariaDb({ name: 'e2e-progress-target' }),
  ])
  await source.createDatabase('shop')
  await source.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(600), KEY by_note (note(12)))')
  await source.query('CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(600))')
  await source.query('CREATE TABLE shop.notes (id INT PRIMARY KEY, body VARCHAR(600))')
  for (const table of ['orders', 'customers', 'notes']) {
    await source.query(
      `INSERT INTO shop.${table} SELECT seq, REPEAT(MD5(seq), 16) FROM mysql.seq_1_to_${table === 'orders' ? 6000 : 3000}`,
    )
  }
  await source.query('ANALYZE TABLE shop.orders, shop.customers, shop.notes')
  for (const server of [source, target]) {
    // No password, so the job has none to ask for in the browser.
    await server.createUser({ user: 'copier', password: '', host: '127.0.0.1', grants: ['ALL ON *.*'] })
  }
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      store.createJob(
        jobConfigSchema.parse({
          name: 'shop-copy',
          source: { host: '127.0.0.1', port: source.port, user: 'copier' },
          target: { host: '127.0.0.1', port: target.port, user: 'copier' },
          type: 'existing',
          mode: 'physical',
          objects: ['shop'],
          // One worker at 1 MB/s: about 8 s of copying, the other tables queued meanwhile.
          spec: { concurrency: 1, exportMBps: 1, deferIndexes: true },
        }),
      )
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
  await Promise.all([source?.stop(), target?.stop()])
})

const openJob = async (page: Page) =>
  page.locator('tr[data-job="shop-copy"]').getByRole('button', { name: 'shop-copy', exact: true }).click()

const charts = (page: Page) => page.locator('.chart')

test('tables show their phase during the copy; a finished job keeps its time and its charts', async ({ page }) => {
  test.setTimeout(120_000)
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await openJob(page)
  await page.getByRole('button', { name: 'Start', exact: true }).click()

  const row = (table: string) => page.locator(`.table-progress-row[data-table="shop.${table}"]`)
  await expect(row('orders').locator('.tp-phase')).toHaveText('Copying', { timeout: 30_000 })
  await expect(page.locator('.table-progress-row[data-phase="queued"]').first()).toHaveText(/Queued/)
  await expect(page.getByTestId('overall-eta')).not.toHaveText('—', { timeout: 15_000 })
  await page.getByRole('heading', { name: 'Tables' }).scrollIntoViewIfNeeded()
  await shoot(page, 'details-copy-phases')

  await expect(page.getByRole('heading', { name: /shop-copy/ }).getByText('Finished')).toBeVisible({ timeout: 90_000 })
  for (const table of ['orders', 'customers', 'notes']) await expect(row(table).locator('.tp-phase')).toHaveText('Done')
  await expect(page.getByText(/Built the secondary indexes of shop\.orders/).first()).toBeVisible()
  // The copy's time holds still once it ended.
  const took = await page.getByTestId('copy-elapsed').textContent()
  await page.waitForTimeout(2_500)
  await expect(page.getByTestId('copy-elapsed')).toHaveText(took!)

  // Away to the jobs list and back: the charts show the run, read from the store.
  await page.getByRole('button', { name: 'Migration jobs' }).click()
  await openJob(page)
  await expect(charts(page).first().locator('.chart-plot')).toBeVisible()
  await expect(charts(page).nth(1).locator('.chart-plot')).toBeVisible()
  await expect(page.getByText('Throughput appears while the job copies data.')).toHaveCount(0)
  await expect(charts(page).nth(2)).toContainText('This job copies existing data only')

  // A new page load knows nothing of the run; the URL keeps the job's page open.
  await page.reload()
  await expect(page.getByRole('heading', { name: /shop-copy/ })).toBeVisible()
  await expect(charts(page).first().locator('.chart-plot')).toBeVisible()
  await expect(charts(page).first().locator('.chart-plot')).toHaveAttribute('aria-label', /at the end; peak/)
  await charts(page).first().scrollIntoViewIfNeeded()
  await shoot(page, 'details-finished-history')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
