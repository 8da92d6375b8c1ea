import { useRouter } from 'next/router';
import { ExecutionProgress } from '../../components/ExecutionProgress';
import { REALTIME_BACKEND } from '../../lib/backend';
import { runEventsUrl } from '../../lib/fastapi';

export default function ExecutionPage() {
  const { query, isReady } = useRouter();
  const id = typeof query.id === 'string' ? query.id : null;
  if (!isReady || !id) return <p className="muted">Loading…</p>;
  return <ExecutionProgress key={id} id={id} {...(REALTIME_BACKEND === 'fastapi' ? { eventsUrl: runEventsUrl(id) } : {})} />;
}
