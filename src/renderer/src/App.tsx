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

  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppHeader />
      <div id="main">
        {route.page === 'jobs' && <JobsPage />}
        {route.page === 'create' && <CreateJobPage />}
        {route.page === 'job' && <JobDetailsPage key={route.id} id={route.id} />}
      </div>
    </div>
  )
}
