import { expect, test } from '@playwright/test'
import { serveApp } from '../harness/cutoverServe'
import type { ServedApp } from '../harness/cutoverServe'
import { watchConsole } from './pageChecks'

let app: ServedApp

test.beforeAll(async () => {
  app = await serveApp()
})
test.afterAll(async () => {
  await app?.stop()
})

test('the app served by `cutover serve` renders in Chromium, in both themes', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await expect(page.getByRole('heading', { name: 'Migration jobs' })).toBeVisible()
  // The empty state comes from a real `job:list` round trip over the bridge's WebSocket.
  await expect(page.getByRole('heading', { name: /minutes of downtime/ })).toBeVisible()
  await expect(page.getByText('browser bridge')).toBeVisible()
  await page.screenshot({ path: 'test-results/screenshots/jobs-empty-light.png', fullPage: true })

  await page.getByRole('button', { name: /Switch to dark theme/ }).click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.screenshot({ path: 'test-results/screenshots/jobs-empty-dark.png', fullPage: true })
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})

test('the page runs under the CSP, and the console watch catches a violation', async ({ page }) => {
  const watch = await watchConsole(page)
  await page.goto(app.url)
  await expect(page.getByRole('heading', { name: 'Migration jobs' })).toBeVisible()
  expect(watch.cspViolations).toEqual([])
  // The control: an inline script is refused by script-src 'self', and the refusal reaches the watch.
  await page.evaluate(() => {
    const script = document.createElement('script')
    script.textContent = 'window.inlineRan = true'
    document.head.append(script)
  })
  await expect.poll(() => watch.cspViolations.length).toBeGreaterThan(0)
  expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined()
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
