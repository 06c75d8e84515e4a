/**
 * Validate on the job page, through `cutover serve` in Chromium: a copied job whose target lost a row and had
 * another changed behind its back shows the differences by key and the repair SQL file; the result stays on the
 * page after a reload (it is stored as the job's last validation).
 */
import { expect, test } from '@playwright/test'
import { useServedJob } from './servedJob'
import { watchConsole } from './pageChecks'

const served = useServedJob({
  label: 'e2e-val',
  binlog: false,
  async prepare(from, to) {
    for (const server of [from, to]) {
      await server.createDatabase('shop')
      await server.query(
        'CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2)) DEFAULT CHARSET=utf8mb4',
      )
      await server.query(
        `INSERT INTO shop.items VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'item ${i}', ${i}.25)`).join(',')}`,
      )
    }
    await to.query('UPDATE shop.items SET price = 0 WHERE id = 42')
    await to.query('DELETE FROM shop.items WHERE id = 7')
  },
  users: {
    source: { user: 'checker', grants: ['SELECT ON *.*'] },
    target: { user: 'checker', grants: ['SELECT ON *.*'] },
  },
  job: { name: 'shop', type: 'existing', objects: ['shop'] },
  stored(store, job) {
    const now = new Date().toISOString()
    store.updateJob(job.id, { status: 'finished', stage: 'existing', startedAt: now, finishedAt: now })
  },
})

test('Validate lists the differing rows by key and the repair SQL, and keeps the result', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(served.app.url)
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
