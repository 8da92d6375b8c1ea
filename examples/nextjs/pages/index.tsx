import { useRouter } from 'next/router';
import { StartRun } from '../components/StartRun';

export default function Home() {
  const router = useRouter();
  return <StartRun navigate={(path) => router.push(path)} />;
}
