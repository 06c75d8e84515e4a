/**
 * The cutover from the job page, through `cutover serve` in Chromium and the real engine: a `both` job started from
 * its page replicates, its readiness list turns ready, the DBA says the writes are stopped and cuts over; the page
 * shows the steps, then the recorded point, and the report downloads with it.
 */
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { startFromJobPage, useServedJob } from './servedJob'
import { shoot, watchConsole } from './pageChecks'

const served = useServedJob({
  label: 'e2e-cut',
  binlog: true,
  async prepare(from) {
    await from.createDatabase('shop')
    await from.query('CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2))')
    await from.query(
      `INSERT INTO shop.items VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'item ${i}', ${i}.25)`).join(',')}`,
    )
  },
  job: { name: 'shop-live', type: 'both', objects: ['shop'] },
})

test('a replicating job is cut over from its page, with readiness, steps, the point and the report', async ({
  page,
}) => {
  test.setTimeout(180_000)
  const watch = await watchConsole(page)
  await startFromJobPage(page, served, 'shop-live')
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Cutover', exact: true }) })
  const readiness = panel.getByRole('list', { name: 'Cutover readiness' })
  await expect(readiness.locator('li', { hasText: 'Job is replicating' })).toContainText('Ready', { timeout: 60_000 })
  const cut = panel.getByRole('button', { name: 'Cut over', exact: true })
  // Lag must stay under 1 s for 30 s first.
  await expect(readiness.locator('li', { hasText: 'Lag under 1 s for 30 s' })).toContainText('Not yet')
  await expect(cut).toBeDisabled()
  await served.source.query("INSERT INTO shop.items VALUES (1000, 'late', 9.99)")
  await expect(readiness.locator('li', { hasText: 'Lag under 1 s for 30 s' })).toContainText('Ready', {
    timeout: 60_000,
  })
  await expect(panel.getByTestId('cutover-behind')).toContainText('nothing (the target has every change)')
  // A freeze that changes the source asks for a confirmation first.
  await panel.getByLabel(/Set the source read-only/).check()
  await expect(cut).toBeDisabled()
  await panel.getByLabel(/I confirm that Cutover may run/).check()
  await expect(cut).toBeEnabled()
  await panel.getByLabel(/I stopped the writes/).check()
  await expect(cut).toBeEnabled()
  await panel.scrollIntoViewIfNeeded()
  await shoot(page, 'details-cutover-ready')

  await cut.click()
  await expect(panel.getByTestId('cutover-record')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByRole('heading', { name: /shop-live/ })).toContainText('Cut over')
  const [status] = (await served.source.query('SHOW MASTER STATUS')) as unknown as { File: string; Position: number }[]
  await expect(panel.getByTestId('cutover-record')).toContainText(`${status!.File}:${status!.Position}`)
  await expect(panel.getByTestId('cutover-record')).toContainText('equal · 1 table')
  const [rows] = (await served.target.query('SELECT COUNT(*) AS n FROM shop.items')) as unknown as { n: number }[]
  expect(Number(rows!.n)).toBe(501)
  await shoot(page, 'details-cutover-done')

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Report', exact: true }).click()
  const file = await (await download).path()
  const html = readFileSync(file, 'utf8')
  expect(html).toContain('Migration report: shop-live')
  expect(html).toContain(`${status!.File}:${status!.Position}`)
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
