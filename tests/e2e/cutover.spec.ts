/**
 * The cutover from the job page, through `cutover serve` in Chromium and the real engine: a `both` job started from
 * its page replicates, its readiness list turns ready, the DBA says the writes are stopped and cuts over; the page
 * shows the steps, then the recorded point, and the report downloads with it.
 */
import { readFileSync } from 'node:fs'
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
    startMariaDb({ name: 'e2e-cut-source', binlog: { format: 'ROW', rowImage: 'FULL', rowMetadata: 'FULL' } }),
    startMariaDb({ name: 'e2e-cut-target' }),
  ])
  await source.createDatabase('shop')
  await source.query('CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2))')
  await source.query(
    `INSERT INTO shop.items VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'item ${i}', ${i}.25)`).join(',')}`,
  )
  // No password, so the bridge has none to ask for.
  await source.createUser({ user: 'migrator', password: '', host: '127.0.0.1', grants: ['ALL PRIVILEGES ON *.*'] })
  await target.createUser({ user: 'loader', password: '', host: '127.0.0.1', grants: ['ALL PRIVILEGES ON *.*'] })
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      store.createJob(
        jobConfigSchema.parse({
          name: 'shop-live',
          source: { host: '127.0.0.1', port: source.port, user: 'migrator' },
          target: { host: '127.0.0.1', port: target.port, user: 'loader' },
          type: 'both',
          objects: ['shop'],
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

test('a replicating job is cut over from its page, with readiness, steps, the point and the report', async ({
  page,
}) => {
  test.setTimeout(180_000)
  const watch = await watchConsole(page)
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(app.url)
  await page.locator('tr[data-job="shop-live"]').getByRole('button', { name: 'shop-live', exact: true }).click()
  await page.getByRole('button', { name: 'Start', exact: true }).click()
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Cutover', exact: true }) })
  const readiness = panel.getByRole('list', { name: 'Cutover readiness' })
  await expect(readiness.locator('li', { hasText: 'Job is replicating' })).toContainText('Ready', { timeout: 60_000 })
  const cut = panel.getByRole('button', { name: 'Cut over', exact: true })
  // Lag must stay under 1 s for 30 s first.
  await expect(readiness.locator('li', { hasText: 'Lag under 1 s for 30 s' })).toContainText('Not yet')
  await expect(cut).toBeDisabled()
  await source.query("INSERT INTO shop.items VALUES (1000, 'late', 9.99)")
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
  const [status] = (await source.query('SHOW MASTER STATUS')) as unknown as { File: string; Position: number }[]
  await expect(panel.getByTestId('cutover-record')).toContainText(`${status!.File}:${status!.Position}`)
  await expect(panel.getByTestId('cutover-record')).toContainText('equal · 1 table')
  const [rows] = (await target.query('SELECT COUNT(*) AS n FROM shop.items')) as unknown as { n: number }[]
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
