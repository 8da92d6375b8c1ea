import { useState, type FormEvent } from 'react';
import { AdminApiError, describeError, get, post, type FeaturesResponse } from '../api';
import { EmptyNote, ErrorNote, Loading } from '../components/Status';
import { usePoll } from '../components/usePoll';

export function NotifyView() {
  const features = usePoll(() => get<FeaturesResponse>('features'), 0);
  const [everyone, setEveryone] = useState(false);
  const [user, setUser] = useState('');
  const [type, setType] = useState('admin.notice');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [result, setResult] = useState('');
  const [error, setError] = useState<string>();

  if (!features.data) return features.error ? <ErrorNote>{features.error}</ErrorNote> : <Loading />;
  if (!features.data.notify) {
    return <EmptyNote>The notification inbox is not enabled on this gateway, so there is nowhere to send a notification. Enable the inbox extension to use this view.</EmptyNote>;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult('');
    setError(undefined);
    try {
      await post('notify', everyone ? { all: true, type, title, body } : { user, type, title, body });
      setResult(`Notification sent to ${everyone ? 'everyone' : user}.`);
    } catch (err) {
      setError(err instanceof AdminApiError ? err.message : describeError(err));
    }
  };

  return (
    <form className="card" onSubmit={submit}>
      <fieldset>
        <legend>Recipient</legend>
        <label className="inline">
          <input type="radio" name="recipient" checked={!everyone} onChange={() => setEveryone(false)} /> One user
        </label>
        <label className="inline">
          <input type="radio" name="recipient" checked={everyone} onChange={() => setEveryone(true)} /> Everyone
        </label>
      </fieldset>
      {!everyone && (
        <div className="field">
          <label htmlFor="notify-user">User id</label>
          <input id="notify-user" required value={user} onChange={(e) => setUser(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="notify-type">Type</label>
        <input id="notify-type" required value={type} onChange={(e) => setType(e.target.value)} aria-describedby="notify-type-hint" />
        <p className="hint" id="notify-type-hint">What the front end uses to pick an icon or a handler, e.g. admin.notice.</p>
      </div>
      <div className="field">
        <label htmlFor="notify-title">Title</label>
        <input id="notify-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="notify-body">Message</label>
        <textarea id="notify-body" rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
      <button type="submit">Send notification</button>
      <p className="note" role="status">{result}</p>
      {error && <ErrorNote>Could not send: {error}</ErrorNote>}
    </form>
  );
}
