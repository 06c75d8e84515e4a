import { useState } from 'react'
import { useStore } from '../stores/store'
import { SettingsDialog } from './SettingsDialog'

export function AppHeader() {
  const theme = useStore((s) => s.theme)
  const toggleTheme = useStore((s) => s.toggleTheme)
  const host = useStore((s) => s.info?.host)
  const version = useStore((s) => s.info?.version)
  const page = useStore((s) => s.route.page)
  const navigate = useStore((s) => s.navigate)
  const [settingsOpen, setSettingsOpen] = useState(false)
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ⇢
        </span>
        <span className="brand-name">Cutover</span>
        {version && <span className="brand-version">{version}</span>}
        {host === 'bridge' && <span className="host-tag">browser bridge</span>}
      </div>
      <nav className="header-nav" aria-label="Main">
        <button
          type="button"
          className={`nav-item ${page !== 'create' ? 'nav-current' : ''}`}
          aria-current={page === 'jobs' ? 'page' : undefined}
          onClick={() => navigate({ page: 'jobs' })}
        >
          Jobs
        </button>
        <button
          type="button"
          className={`nav-item ${page === 'create' ? 'nav-current' : ''}`}
          aria-current={page === 'create' ? 'page' : undefined}
          onClick={() => navigate({ page: 'create' })}
        >
          Create job
        </button>
      </nav>
      <button type="button" className="button ghost small" onClick={() => setSettingsOpen(true)}>
        Settings
      </button>
      <button
        type="button"
        className="button ghost small"
        onClick={toggleTheme}
        aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
      >
        {theme === 'dark' ? '☀ Light' : '☾ Dark'}
      </button>
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} />
    </header>
  )
}
