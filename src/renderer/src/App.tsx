import { useEffect } from 'react'
import { AppHeader } from './components/AppHeader'
import { CreateJobPage } from './pages/CreateJobPage'
import { JobDetailsPage } from './pages/JobDetailsPage'
import { JobsPage } from './pages/JobsPage'
import { connectLiveEvents } from './stores/liveEvents'
import { useStore } from './stores/store'

export function App() {
  const theme = useStore((s) => s.theme)
  const route = useStore((s) => s.route)
  const loadInfo = useStore((s) => s.loadInfo)

  useEffect(() => {
    void loadInfo()
    const disconnect = connectLiveEvents()
    void useStore.getState().loadAlerts()
    return disconnect
  }, [loadInfo])

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme
  }, [theme])

  useEffect(() => {
    const follow = () => void useStore.getState().followLocation()
    follow()
    // Back and forward fire popstate; a hash typed into the address bar fires hashchange.
    window.addEventListener('popstate', follow)
    window.addEventListener('hashchange', follow)
    return () => {
      window.removeEventListener('popstate', follow)
      window.removeEventListener('hashchange', follow)
    }
  }, [])

  return (
    <div className="app">
      <a
        href="#main"
        className="skip-link"
        onClick={(event) => {
          // The hash holds the route: move the focus without changing it.
          event.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        Skip to content
      </a>
      <AppHeader />
      <div id="main" tabIndex={-1}>
        {route.page === 'jobs' && <JobsPage />}
        {route.page === 'create' && <CreateJobPage />}
        {route.page === 'job' && <JobDetailsPage key={route.id} id={route.id} />}
      </div>
    </div>
  )
}
