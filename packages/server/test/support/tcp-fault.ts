/**
 * The fault proxy (cut, pause, delay, reset) in front of Redis or PostgreSQL. One implementation,
 * in the bench workspace, because `npm run soak` drives it from plain Node as the tests do.
 */
export { TcpForwarder } from '../../../../bench/lib/tcp-fault.mjs';
