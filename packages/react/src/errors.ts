/**
 * A hook or the client core was used where it cannot run: in a React Server Component, a route
 * handler or other server code. Thrown by the `react-server` build of `@renum-realtime/react`
 * (what Next.js resolves for Server Components) instead of React's own, harder to read failure.
 */
export class ClientOnlyError extends Error {
  override readonly name = 'ClientOnlyError';
  readonly code = 'client_only';
  constructor(
    readonly exportName: string,
    why = `${exportName} is client-only. Use it in a module marked "use client", ` +
      'or import the server helpers (token minting, publishing, notifications) from @renum-realtime/react/server.',
  ) {
    super(`@renum-realtime/react: ${why}`);
  }
}
