/**
 * Continuous validation on the job page, through `cutover serve` in Chromium and the real engine: a `both` job with
 * the setting on replicates; a trigger left on the target rewrites one replicated row, and the page lists that row
 * as different (key and column) with the counts; once the trigger is dropped and the row repaired, the list empties.
 */
import { expect, test } from '@playwright/test'
import { startFromJobPage, useServedJob } from './servedJob'
import { shoot, watchConsole } from './pageChecks'

const served = useServedJob({
  label: 'e2e-cv',
  binlog: true,
  async prepare(from) {
    await from.createDatabase('shop')
    await from.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(60))')
    await from.query(
      `INSERT INTO shop.orders VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'order ${i}')`).join(',')}`,
    )
  },
  job: { name: 'shop-checked', type: 'both', objects: ['shop'], spec: { continuousValidation: true } },
})

test('a replicated row the target changed is listed as different, and leaves the list once repaired', async ({
  page,
}) => {
  test.setTimeout(180_000)
  const watch = await watchConsole(page)
  await startFromJobPage(page, served, 'shop-checked')
  const view = page.getByTestId('continuous-validation')
  await expect(view).toContainText('Rows are compared once the job replicates its first changes.', { timeout: 60_000 })
  await expect(page.getByText('Caught up: the target has every change').first()).toBeVisible({ timeout: 60_000 })

  // Triggers on the target rewrite what replication writes to one row (an UPDATE, or a REPLACE in safe mode).
  for (const event of ['UPDATE', 'INSERT'])
    await served.target.query(
      `CREATE TRIGGER shop.rewrite_${event.toLowerCase()} BEFORE ${event} ON shop.orders FOR EACH ROW SET NEW.note = IF(NEW.id = 7, 'changed by a trigger', NEW.note)`,
    )
  await served.source.query("UPDATE shop.orders SET note = CONCAT(note, ' shipped') WHERE id < 20")
  await expect(view.getByTestId('continuous-failed')).toHaveText('1 row differs', { timeout: 30_000 })
  const differing = view.getByRole('table', { name: 'Rows that differ' })
  await expect(differing.locator('tbody tr')).toHaveCount(1)
  await expect(differing.locator('tbody tr')).toContainText('shop.orders')
  await expect(differing.locator('tbody tr')).toContainText('id=7')
  await expect(differing.locator('tbody tr')).toContainText('Different (note)')
  await expect(view.getByTestId('continuous-counts')).toContainText('19 compared equal')
  await view.scrollIntoViewIfNeeded()
  await shoot(page, 'details-continuous-difference')

  for (const event of ['update', 'insert']) await served.target.query(`DROP TRIGGER shop.rewrite_${event}`)
  await served.target.query("UPDATE shop.orders SET note = 'order 7 shipped' WHERE id = 7")
  await expect(view.getByTestId('continuous-failed')).toHaveText('No difference', { timeout: 30_000 })
  await expect(differing).toHaveCount(0)
  await expect(view.getByTestId('continuous-counts')).toContainText('0 changed rows waiting')
  await shoot(page, 'details-continuous-clean')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
