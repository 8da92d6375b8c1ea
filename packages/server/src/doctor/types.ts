export type StepStatus = 'pass' | 'fail' | 'skip';

export type StepId = 'url' | 'dns' | 'tcp' | 'tls' | 'upgrade' | 'connect' | 'subscribe' | 'publish' | 'ping';

/** One step of the connection as a browser makes it. `cause` and `fix` are set on failure. */
export interface StepResult {
  id: StepId;
  title: string;
  status: StepStatus;
  ms: number;
  /** What was seen, one fact per line. */
  details: string[];
  /** Observations that do not fail the step on their own. */
  warnings: string[];
  /** A stable machine-readable name for the failure (e.g. `tls_expired`, `origin_not_allowed`). */
  problem?: string;
  cause?: string;
  fix?: string;
}

export interface DoctorOptions {
  url: string;
  /** The page origin the browser would send. */
  origin?: string;
  token?: string;
  apiKey?: string;
  /** Defaults to http(s)://<ws host>/api. */
  apiUrl?: string;
  channel?: string;
  /** PEM of extra trusted certificate authorities (like NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** ms each network step may take. */
  timeoutMs?: number;
  /** ms to wait for the server ping at most; by default the announced interval plus a margin. */
  pingWaitMs?: number;
  /** Probe the HTTP-streaming and SSE fallbacks too (default true). */
  transports?: boolean;
}

/** The outcome of a step body: status defaults to pass; a failing step names the problem. */
export type StepOutcome = Omit<StepResult, 'id' | 'title' | 'ms' | 'details' | 'warnings' | 'status'> & {
  status?: StepStatus;
  details?: string[];
  warnings?: string[];
};

export function failure(problem: string, cause: string, fix: string, details: string[] = []): StepOutcome {
  return { status: 'fail', problem, cause, fix, details };
}

export function skipped(why: string): StepOutcome {
  return { status: 'skip', details: [why] };
}
