/** Types for tcp-fault.mjs, which the server's tests use too (packages/server/test/support/tcp-fault.ts). */
export declare class TcpForwarder {
  static start(targets: () => number[]): Promise<TcpForwarder>;
  readonly port: number;
  readonly connections: number;
  cut(): void;
  restore(): void;
  pause(): void;
  resume(): void;
  delay(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}
