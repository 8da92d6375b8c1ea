import { useEffect, useRef, useState } from 'react';
import { describeError, logout, resumeSession, setLoggedOutHandler } from './api';
import { ErrorNote, Loading } from './components/Status';
import { ChannelsView } from './views/Channels';
import { ConfigView } from './views/Config';
import { ConnectionsView } from './views/Connections';
import { LoginView } from './views/Login';
import { NotifyView } from './views/Notify';
import { OverviewView } from './views/Overview';
import { PublishView } from './views/Publish';
import { RejectionsView } from './views/Rejections';
import { TransportsView } from './views/Transports';

const VIEWS = {
  overview: { title: 'Overview', View: OverviewView },
  connections: { title: 'Connections', View: ConnectionsView },
  channels: { title: 'Channels', View: ChannelsView },
  publish: { title: 'Publish', View: PublishView },
  notify: { title: 'Notify', View: NotifyView },
  rejections: { title: 'Rejections', View: RejectionsView },
  transports: { title: 'Transports', View: TransportsView },
  config: { title: 'Config', View: ConfigView },
} as const;

type ViewName = keyof typeof VIEWS;

function viewFromHash(): ViewName {
  const name = window.location.hash.replace(/^#\/?/, '');
  return Object.hasOwn(VIEWS, name) ? (name as ViewName) : 'overview';
}

type Auth = 'checking' | 'out' | 'in' | { failed: string };

export function App() {
  const [auth, setAuth] = useState<Auth>('checking');
  const [view, setView] = useState<ViewName>(viewFromHash);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    setLoggedOutHandler(() => setAuth('out'));
    resumeSession().then(
      (ok) => setAuth(ok ? 'in' : 'out'),
      (err: unknown) => setAuth({ failed: describeError(err) }),
    );
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const { title } = VIEWS[view];
    document.title = `${title} · Renum Realtime admin`;
    // Moving focus to the new view's heading tells screen-reader users the page changed.
    if (!firstRender.current) heading.current?.focus();
    firstRender.current = false;
  }, [view]);

  if (auth === 'checking') return <main className="login"><Loading /></main>;
  if (typeof auth === 'object') return <main className="login"><ErrorNote>{auth.failed}</ErrorNote></main>;
  if (auth === 'out') return <LoginView onLoggedIn={() => setAuth('in')} />;

  const { title, View } = VIEWS[view];
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="top">
        <p className="brand">Renum Realtime admin</p>
        <nav aria-label="Admin views">
          <ul>
            {(Object.keys(VIEWS) as ViewName[]).map((name) => (
              <li key={name}>
                <a href={`#/${name}`} aria-current={name === view ? 'page' : undefined}>
                  {VIEWS[name].title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={() => void logout().finally(() => setAuth('out'))}>
          Log out
        </button>
      </header>
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <View />
      </main>
    </>
  );
}
