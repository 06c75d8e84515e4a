/**
 * A job whose passwords this Cutover kept in memory only, and lost with a restart: Validate asks for them in the same
 * dialog as Resume, then validates with them (instead of showing JOB_SECRETS_MISSING), and does not ask again while
 * this Cutover runs; Cut over asks the same way. Screenshots in both themes at 1024×700.
 */
import { hostname } from 'node:os'
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { startMariaDb, type MariaDbServer } from '../harness/mariadb'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp
let server: MariaDbServer
const password = 'val-Secret-7'

test.use({ viewport: { width: 1024, height: 700 } })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  server = await startMariaDb({ name: 'e2e-val-secrets' })
  await server.createDatabase('stock')
  await server.query('CREATE TABLE stock.parts (id INT PRIMARY KEY, name VARCHAR(40)) DEFAULT CHARSET=utf8mb4')
  await server.query(
    `INSERT INTO stock.parts VALUES ${Array.from({ length: 200 }, (_, i) => `(${i}, 'part ${i}')`).join(',')}`,
  )
  await server.createUser({ user: 'checker', password, host: '127.0.0.1', grants: ['SELECT ON *.*'] })
  app = await serveApp({
    prepareStore(path) {
      const store = openJobStore(path)
      // One server on both sides: what is compared does not matter here, only that the comparison runs.
      const side = { host: '127.0.0.1', port: server.port, user: 'checker' }
      const job = store.createJob(
        jobConfigSchema.parse({ name: 'stock', source: side, target: side, type: 'existing', objects: ['stock'] }),
      )
      const now = new Date().toISOString()
      store.updateJob(job.id, { status: 'finished', stage: 'existing', startedAt: now, finishedAt: now })
      // What a bridge without a keychain leaves behind: the names of the passwords it held, not their values.
      store.recordUnsealedSecrets(job.id, ['source.password', 'target.password'])

      // A job replicating in another live process (this test's), caught up for two minutes, whose passwords this
      // Cutover never held.
      const live = store.createJob(
        jobConfigSchema.parse({ name: 'stock-live', source: side, target: side, type: 'both', objects: ['stock'] }),
      )
      store.updateJob(live.id, {
        status: 'running',
        stage: 'incremental',
        startedAt: now,
        lagSeconds: 0,
        lagLowSince: new Date(Date.now() - 120_000).toISOString(),
      })
      store.acquireLease(live.id, { owner: 'other-process', pid: process.pid, host: hostname() }, () => false)
      store.recordUnsealedSecrets(live.id, ['source.password', 'target.password'])
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
  await server?.stop()
})

test('Validate asks for the passwords a restart lost, then validates with them', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(`${app.url}#/jobs/stock`)
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Validation' }) })
  await expect(panel.getByText('Not validated yet.')).toBeVisible()
  await panel.getByRole('button', { name: 'Validate' }).click()

  const dialog = page.getByRole('dialog', { name: 'Passwords for “stock”' })
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('to validate the job')
  const go = dialog.getByRole('button', { name: 'Validate' })
  await expect(go).toBeDisabled()
  await dialog.getByLabel('Source password').fill(password)
  await dialog.getByLabel('Target password').fill(password)
  await shoot(page, 'validate-passwords')
  await go.click()
  await expect(dialog).toBeHidden()
  await expect(panel.getByTestId('validation-status')).toHaveText('Equal', { timeout: 30_000 })
  await expect(panel.getByText('1 of 1 tables equal')).toBeVisible()
  await expect(page.getByText(/JOB_SECRETS_MISSING|using password: NO/)).toHaveCount(0)
  await panel.scrollIntoViewIfNeeded()
  await shoot(page, 'validate-after-passwords')

  // This Cutover holds them now: a second validation runs without asking.
  await panel.getByRole('button', { name: 'Validate' }).click()
  await expect(panel.getByTestId('validation-status')).toHaveText('Equal', { timeout: 30_000 })
  await expect(dialog).toBeHidden()
  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})

test('Cut over asks for the passwords too; its readiness says the binlogs are checked once they are given', async ({
  page,
}) => {
  const watch = await watchConsole(page)
  await page.goto(`${app.url}#/jobs/stock-live`)
  const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Cutover', level: 3 }) })
  await expect(
    panel.getByText(/Not checked yet: this Cutover needs the job's source password, target password again/),
  ).toBeVisible()
  const cutOver = panel.getByRole('button', { name: 'Cut over' })
  await expect(cutOver).toBeEnabled({ timeout: 10_000 })
  await cutOver.click()
  const dialog = page.getByRole('dialog', { name: 'Passwords for “stock-live”' })
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('to cut over the job')
  await expect(dialog.getByRole('button', { name: 'Cut over' })).toBeDisabled()
  await dialog.getByLabel('Source password').fill(password)
  await dialog.getByLabel('Target password').fill(password)
  await expect(dialog.getByRole('button', { name: 'Cut over' })).toBeEnabled()
  await shoot(page, 'cutover-passwords')
  // Cancel: nothing starts, nothing is kept.
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(panel.getByRole('list', { name: 'Cutover steps' })).toHaveCount(0)
  expect(watch.errors).toEqual([])
  expect(watch.cspViolations).toEqual([])
})
