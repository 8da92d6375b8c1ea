import { useRouter } from 'next/router';
import { StartRun } from '../components/StartRun';
import { REALTIME_BACKEND } from '../lib/backend';
import { useRunsStartRpc } from '../lib/fastapi';

function StartRunOverRpc({ navigate }: { navigate: (path: string) => unknown }) {
  return <StartRun navigate={navigate} starter={useRunsStartRpc()} />;
}

export default function Home() {
  const router = useRouter();
  const navigate = (path: string) => router.push(path);
  return REALTIME_BACKEND === 'fastapi' ? <StartRunOverRpc navigate={navigate} /> : <StartRun navigate={navigate} />;
}
