'use client';
import { useRouter } from 'next/navigation';
import { StartRun } from '../../nextjs/components/StartRun';

/** The start form with the App Router's navigation (a Server Component cannot pass a function). */
export function StartRunHere() {
  const router = useRouter();
  return <StartRun navigate={(path) => router.push(path)} />;
}
