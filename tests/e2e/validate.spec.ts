/**
 * Validate on the job page, through `cutover serve` in Chromium: a copied job whose target lost a row and had
 * another changed behind its back shows the differences by key and the repair SQL file; the result stays on the
 * page after a reload (it is stored as the job's last validation).
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../harness/mariadb'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { watchConsole } from './pageChecks'

let app: ServedApp
let source: MariaDbServer
let target: MariaDbServer

test.beforeAll(async () => {
  test.setTimeout(120_000)
  ;[source, target] = await Promise.all([
    startMariaDb({ name: 'e2e-val-source' }),
    startMariaDb({ name: 'e2e-val-target' }),
  ])
  for (const server of [source, target]) {
    await server.createDatabase('shop')
    await server.query(
      'CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2)) DEFAULT CHARSET=utf8mb4',
    )
    await server.query(
      `INSERT INTO shop.items VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'item ${i}', ${i}.25)`).join(',')}`,
    )
    // No password, so the job has none to ask for again after the bridge restarts.
    await server.createUser({ user: 'checker', password: '', host: '127.0.0.1', grants: ['SELECT ON *.*'] })
  }
  await target.query('UPDATE shop.items SET price = 0 WHERE id = 42')
  await target.query('DELETE FROM shop.items WHERE id = 7')
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      const job = store.createJob(
        jobConfigSchema.parse({
          name: 'shop',
          source: { host: '127.0.0.1', port: source.port, user: 'checker' },
          target: { host: '127.0.0.1', port: target.port, user: 'checker' },
          type: 'existing',
          objects: ['shop'],
        }),
      )
      const now = new Date().toISOString()
      store.updateJob(job.id, { status: 'finished', stage: 'existing', startedAt: now, finishedAt: now })
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
  await Promise.all([source?.stop(), target?.stop()])
})

test('Validate lists the differing rows by key and the repair SQL, and keeps the result', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await page.locator('tr[data-job="shop"]').getByRole('button', { name: 'shop', exact: true }).click()
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Validation' }) })
  await expect(panel.getByText('Not validated yet.')).toBeVisible()
  await panel.getByRole('button', { name: 'Validate' }).click()
  await expect(panel.getByTestId('validation-status')).toHaveText('Differences found', { timeout: 30_000 })
  await expect(panel.getByText('2 differences')).toBeVisible()
  await expect(panel.getByText('missing id=7')).toBeVisible()
  await expect(panel.getByText('different id=42 (price)')).toBeVisible()
  await expect(panel.getByTestId('repair-sql-path')).toHaveText(/validations\/shop-.*\.sql$/)
  await panel.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/screenshots/validation-differences.png', fullPage: true })

  // A new page load knows nothing of the run: the result comes from the store (the reload keeps the job's page).
  await page.reload()
  await expect(panel.getByTestId('validation-status')).toHaveText('Differences found')
  await expect(panel.getByText('missing id=7')).toBeVisible()
  await page.getByRole('button', { name: /Switch to dark theme/ }).click()
  await page.screenshot({ path: 'test-results/screenshots/validation-differences-dark.png', fullPage: true })
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
