import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/run.js';
import { startGateway, TEST_API_KEY, type TestGateway } from './support/gateway.js';
import { hasOpenssl, TestPki } from './support/pki.js';

/** TLS termination in front of the gateway, as nginx or a load balancer does it. */
async function tlsFront(credentials: { key: string; cert: string }, gatewayPort: number): Promise<{ server: TlsServer; url: string }> {
  const server = createTlsServer(credentials, (socket) => {
    const upstream = tcpConnect(gatewayPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `wss://localhost:${(server.address() as AddressInfo).port}/ws` };
}

describe.skipIf(!hasOpenssl)('doctor TLS checks (certificates made with openssl)', () => {
  let pki: TestPki;
  let gw: TestGateway;
  const servers: TlsServer[] = [];
  const front = async (credentials: { key: string; cert: string }) => {
    const made = await tlsFront(credentials, gw.gateway.port);
    servers.push(made.server);
    return made.url;
  };

  beforeAll(async () => {
    pki = new TestPki();
    gw = await startGateway({ client: { ping_interval: '1s', pong_timeout: '500ms' } });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await gw.close();
    pki.remove();
  });

  it('passes every step over wss:// with a valid certificate and shows days left and protocol', async () => {
    const url = await front(pki.leaf('valid', 'DNS:localhost,IP:127.0.0.1', 30));
    const report = await runDoctor({ url, ca: pki.ca, token: await gw.token('alice'), channel: 'doctor-tls', apiKey: TEST_API_KEY, apiUrl: gw.apiUrl });
    expect(report.steps.find((s) => s.status === 'fail')).toBeUndefined();
    const tls = report.steps.find((s) => s.id === 'tls')!;
    expect(tls.status).toBe('pass');
    expect(tls.details.join('\n')).toMatch(/protocol TLSv1\.3/);
    expect(tls.details.join('\n')).toMatch(/\(29 days left\)|\(30 days left\)/);
  });

  it('names a self-signed certificate', async () => {
    const report = await runDoctor({ url: await front(pki.selfSigned('self')) });
    const tls = report.steps.find((s) => s.id === 'tls')!;
    expect(tls).toMatchObject({ status: 'fail', problem: 'tls_self_signed' });
    expect(tls.cause).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(report.steps.find((s) => s.id === 'upgrade')!.status).toBe('skip');
  });

  it('names an expired certificate and when it expired', async () => {
    const report = await runDoctor({ url: await front(pki.leaf('expired', 'DNS:localhost,IP:127.0.0.1', -1)), ca: pki.ca });
    const tls = report.steps.find((s) => s.id === 'tls')!;
    expect(tls).toMatchObject({ status: 'fail', problem: 'tls_expired' });
    expect(tls.cause).toMatch(/expired on \d{4}-\d\d-\d\dT[\d:.]+Z, 24 h( \d+ min)? ago/);
  });

  it('names a certificate issued for another host name', async () => {
    const report = await runDoctor({ url: await front(pki.leaf('other', 'DNS:api.other.example', 30)), ca: pki.ca });
    const tls = report.steps.find((s) => s.id === 'tls')!;
    expect(tls).toMatchObject({ status: 'fail', problem: 'tls_hostname_mismatch' });
    expect(tls.cause).toContain("the certificate is not valid for localhost");
    expect(tls.cause).toContain("is not in the cert's altnames: DNS:api.other.example");
  });

  it('names a plain HTTP port reached with wss://', async () => {
    const report = await runDoctor({ url: gw.url.replace('ws://', 'wss://') });
    const tls = report.steps.find((s) => s.id === 'tls')!;
    expect(tls).toMatchObject({ status: 'fail', problem: 'tls_handshake_failed' });
    expect(tls.cause).toContain('plain HTTP');
  });
});
