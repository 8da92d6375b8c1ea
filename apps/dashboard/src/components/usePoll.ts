import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api';

export interface Poll<T> {
  data: T | undefined;
  error: string | undefined;
  refresh: () => void;
}

/**
 * Loads `load()` now and every `intervalMs` while the view is shown, keeping the last good data
 * when a refresh fails. A new `key` (a changed search) reloads at once.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key = ''): Poll<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    const run = () =>
      loadRef.current().then(
        (value) => live && (setData(value), setError(undefined)),
        (err: unknown) => live && setError(describeError(err)),
      );
    void run();
    const timer = intervalMs > 0 ? setInterval(run, intervalMs) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [intervalMs, key, tick]);

  return { data, error, refresh };
}
