/** The renderer's CSP: only our own bundle. Under CSP3 'self' also admits the bridge's same-origin WebSocket. */
export function contentSecurityPolicy(options: { dev: boolean }): string {
  const connect = options.dev ? "'self' ws://localhost:* http://localhost:*" : "'self'"
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets style attributes; no inline <style> or script is needed beyond that.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
