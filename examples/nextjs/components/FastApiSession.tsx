import { RealtimeProvider, type ClientOptions } from '@renum-realtime/react';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { fetchSignedInUser, logIn, logOut } from '../lib/fastapi';
import { Layout } from './Layout';

/**
 * FastAPI mode: the back end's cookie session decides who the connection is. Signed out, the page
 * shows the login form and opens no socket (the connect proxy would refuse it, 4501); signed in,
 * it connects with no token, one provider per user, so signing in as someone else reconnects.
 */
export function FastApiSession({ url, options, children }: { url: string; options?: ClientOptions; children: ReactNode }) {
  // undefined: not asked yet.
  const [user, setUser] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetchSignedInUser().then(setUser, (failure: Error) => setError(failure.message));
  }, []);
  if (user === null) return <LoginForm onLoggedIn={setUser} />;
  if (user === undefined) return <main>{error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>}</main>;
  return (
    <RealtimeProvider key={user} url={url} {...(options ? { options } : {})}>
      <Layout user={user} onSignOut={() => logOut().then(() => setUser(null), (failure: Error) => setError(failure.message))}>
        {children}
      </Layout>
    </RealtimeProvider>
  );
}

function LoginForm({ onLoggedIn }: { onLoggedIn: (user: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      onLoggedIn(await logIn(String(form.get('user')), String(form.get('password'))));
    } catch (failure) {
      setError((failure as Error).message);
    }
  }
  return (
    <main>
      <h1>Sign in</h1>
      <p className="muted">Demo accounts of examples/fastapi: alice / alice-password, bob / bob-password.</p>
      <form onSubmit={(event) => void submit(event)} data-testid="login">
        <label>
          User <input name="user" autoComplete="username" required />
        </label>{' '}
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required />
        </label>{' '}
        <button type="submit">Sign in</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}
