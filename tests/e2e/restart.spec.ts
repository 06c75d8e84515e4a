/**
 * `cutover serve` restarted while a job ran: the bridge finds the job interrupted (not "Running" forever), and
 * Resume asks for the passwords it kept in memory only instead of connecting without them.
 */
import { hostname } from 'node:os'
import { expect, test } from '@playwright/test'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { watchConsole } from './pageChecks'

let app: ServedApp

test.beforeAll(async () => {
  app = await serveApp({
    prepareStore(path) {
      // What a bridge killed mid-copy leaves: status running, its lease held by a pid that no longer exists, and
      // the names (not values) of the passwords it held in memory.
      const store = openJobStore(path)
      const job = store.createJob(
        jobConfigSchema.parse({
          name: 'restarted',
          // Nothing listens on port 9: the resumed job fails at its first connection, after the passwords were taken.
          source: { host: '127.0.0.1', port: 9, user: 'migrator' },
          target: { host: '127.0.0.1', port: 9, user: 'root' },
          type: 'existing',
          // No retries: the refused connection fails the job at once.
          spec: { retryMinutes: 0 },
        }),
      )
      store.recordUnsealedSecrets(job.id, ['source.password', 'target.password'])
      store.updateJob(job.id, { status: 'running', stage: 'existing', startedAt: new Date().toISOString() })
      store.acquireLease(job.id, { owner: 'killed-bridge', pid: 2 ** 30, host: hostname() }, () => false)
      store.close()
    },
  })
})
test.afterAll(async () => {
  await app?.stop()
})

test('an interrupted job resumes only after its passwords are entered again', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  const row = page.locator('tr[data-job="restarted"]')
  await expect(row.getByText('Interrupted')).toBeVisible()
  await expect(row.getByRole('button', { name: 'Pause restarted' })).toHaveCount(0)

  await row.getByRole('button', { name: 'Resume restarted' }).click()
  const dialog = page.getByRole('dialog', { name: 'Passwords for “restarted”' })
  await expect(dialog).toBeVisible()
  const resume = dialog.getByRole('button', { name: 'Resume' })
  await expect(resume).toBeDisabled()
  await dialog.getByLabel('Source password').fill('source-secret')
  await dialog.getByLabel('Target password').fill('target-secret')
  await page.screenshot({ path: 'test-results/screenshots/resume-passwords.png', fullPage: true })
  await resume.click()
  await expect(dialog).toBeHidden()

  // The run got its passwords and went to the network: it fails on the closed port, not on a missing password.
  await expect(row.getByText('Failed')).toBeVisible({ timeout: 30_000 })
  await row.getByRole('button', { name: 'restarted', exact: true }).click()
  await expect(page.getByText(/stopped without pausing it; it is interrupted/).first()).toBeVisible()
  await expect(page.getByText(/JOB_SECRETS_MISSING|using password: NO/)).toHaveCount(0)
  expect(await page.content()).not.toContain('source-secret')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
