/**
 * Continuous validation on the job page, through `cutover serve` in Chromium and the real engine: a `both` job with
 * the setting on replicates; a trigger left on the target rewrites one replicated row, and the page lists that row
 * as different (key and column) with the counts; once the trigger is dropped and the row repaired, the list empties.
 */
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../harness/mariadb'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let source: MariaDbServer
let target: MariaDbServer

test.beforeAll(async () => {
  test.setTimeout(120_000)
  ;[source, target] = await Promise.all([
    startMariaDb({ name: 'e2e-cv-source', binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } }),
    startMariaDb({ name: 'e2e-cv-target' }),
  ])
  await source.createDatabase('shop')
  await source.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(60))')
  await source.query(
    `INSERT INTO shop.orders VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'order ${i}')`).join(',')}`,
  )
  // No password, so the bridge has none to ask for.
  await source.createUser({ user: 'migrator', password: '', host: '127.0.0.1', grants: ['ALL PRIVILEGES ON *.*'] })
  await target.createUser({ user: 'loader', password: '', host: '127.0.0.1', grants: ['ALL PRIVILEGES ON *.*'] })
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      store.createJob(
        jobConfigSchema.parse({
          name: 'shop-checked',
          source: { host: '127.0.0.1', port: source.port, user: 'migrator' },
          target: { host: '127.0.0.1', port: target.port, user: 'loader' },
          type: 'both',
          objects: ['shop'],
          spec: { continuousValidation: true },
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

test('a replicated row the target changed is listed as different, and leaves the list once repaired', async ({
  page,
}) => {
  test.setTimeout(180_000)
  const watch = await watchConsole(page)
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(app.url)
  await page.locator('tr[data-job="shop-checked"]').getByRole('button', { name: 'shop-checked', exact: true }).click()
  await page.getByRole('button', { name: 'Start', exact: true }).click()
  const view = page.getByTestId('continuous-validation')
  await expect(view).toContainText('Rows are compared once the job replicates its first changes.', { timeout: 60_000 })
  await expect(page.getByText('Caught up: the target has every change').first()).toBeVisible({ timeout: 60_000 })

  // Triggers on the target rewrite what replication writes to one row (an UPDATE, or a REPLACE in safe mode).
  for (const event of ['UPDATE', 'INSERT'])
    await target.query(
      `CREATE TRIGGER shop.rewrite_${event.toLowerCase()} BEFORE ${event} ON shop.orders FOR EACH ROW SET NEW.note = IF(NEW.id = 7, 'changed by a trigger', NEW.note)`,
    )
  await source.query("UPDATE shop.orders SET note = CONCAT(note, ' shipped') WHERE id < 20")
  await expect(view.getByTestId('continuous-failed')).toHaveText('1 row differs', { timeout: 30_000 })
  const differing = view.getByRole('table', { name: 'Rows that differ' })
  await expect(differing.locator('tbody tr')).toHaveCount(1)
  await expect(differing.locator('tbody tr')).toContainText('shop.orders')
  await expect(differing.locator('tbody tr')).toContainText('id=7')
  await expect(differing.locator('tbody tr')).toContainText('Different (note)')
  await expect(view.getByTestId('continuous-counts')).toContainText('19 compared equal')
  await view.scrollIntoViewIfNeeded()
  await shoot(page, 'details-continuous-difference')

  for (const event of ['update', 'insert']) await target.query(`DROP TRIGGER shop.rewrite_${event}`)
  await target.query("UPDATE shop.orders SET note = 'order 7 shipped' WHERE id = 7")
  await expect(view.getByTestId('continuous-failed')).toHaveText('No difference', { timeout: 30_000 })
  await expect(differing).toHaveCount(0)
  await expect(view.getByTestId('continuous-counts')).toContainText('0 changed rows waiting')
  await shoot(page, 'details-continuous-clean')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
