import { useState, type FormEvent } from 'react';
import { AdminApiError, describeError, login } from '../api';
import { ErrorNote } from '../components/Status';

function loginMessage(error: unknown): string {
  if (!(error instanceof AdminApiError)) return describeError(error);
  if (error.status === 401) return 'Wrong password.';
  if (error.status === 429) return `Too many failed attempts. Try again in ${error.retryAfter ?? 'a few'} seconds.`;
  return error.message;
}

export function LoginView({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(password);
      onLoggedIn();
    } catch (err) {
      setError(loginMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>Renum Realtime admin</h1>
      <form onSubmit={submit} className="card" aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="password">Admin password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        {error && <div id="login-error"><ErrorNote>{error}</ErrorNote></div>}
      </form>
    </main>
  );
}
