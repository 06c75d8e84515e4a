import { expect, test } from '@playwright/test'
import { serveApp } from './cutoverServe'
import type { ServedApp } from './cutoverServe'

let app: ServedApp

test.beforeAll(async () => {
  app = await serveApp()
})
test.afterAll(async () => {
  await app?.stop()
})

test('the app served by `cutover serve` renders in Chromium, in both themes', async ({ page }) => {
  const consoleErrors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  await page.goto(app.url)
  await expect(page.getByRole('heading', { name: 'Migration jobs' })).toBeVisible()
  // The empty state comes from a real `job:list` round trip over the bridge's WebSocket.
  await expect(page.getByRole('heading', { name: /minutes of downtime/ })).toBeVisible()
  await expect(page.getByText('browser bridge')).toBeVisible()
  await page.screenshot({ path: 'test-results/screenshots/jobs-empty-light.png', fullPage: true })

  await page.getByRole('button', { name: /Switch to dark theme/ }).click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.screenshot({ path: 'test-results/screenshots/jobs-empty-dark.png', fullPage: true })
  expect(consoleErrors).toEqual([])
})

test('without the token nothing is served', async ({ page, request }) => {
  const withoutToken = await request.get(`${app.origin}/`)
  expect(withoutToken.status()).toBe(403)
  const wrongToken = await request.get(`${app.origin}/not-the-token/`)
  expect(wrongToken.status()).toBe(403)
  const assetWithoutToken = await request.get(`${app.origin}/assets/index.js`)
  expect(assetWithoutToken.status()).toBe(403)
  const response = await page.goto(`${app.origin}/`)
  expect(response?.status()).toBe(403)
  await expect(page.getByRole('heading', { name: 'Migration jobs' })).toHaveCount(0)
})
