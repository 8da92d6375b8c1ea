import { describe, expectTypeOf, it } from 'vitest';
import {
  Gateway,
  RealtimeNode,
  RpcError,
  createInboxExtension,
  loadConfig,
  mintToken,
  type GatewayExtension,
  type GatewayHost,
  type GatewayOptions,
  type RealtimeConfig,
  type RouteHandler,
  type RpcCall,
  type RpcHandler,
  type Transport,
  type TransportName,
} from '@renum-realtime/server';

describe('the server package’s public types', () => {
  it('starts a gateway from a validated config, with RPC handlers and extensions', () => {
    expectTypeOf(loadConfig).returns.toEqualTypeOf<RealtimeConfig>();
    expectTypeOf(Gateway.start).parameter(0).toEqualTypeOf<GatewayOptions>();
    expectTypeOf(Gateway.start).returns.resolves.toEqualTypeOf<Gateway>();
    expectTypeOf<GatewayOptions['rpc']>().toEqualTypeOf<Record<string, RpcHandler> | undefined>();
    expectTypeOf<GatewayOptions['extensions']>().toEqualTypeOf<GatewayExtension[] | undefined>();
    expectTypeOf<Gateway['node']>().toEqualTypeOf<RealtimeNode>();
    expectTypeOf<Gateway['webSocketUrl']>().toEqualTypeOf<string>();
    expectTypeOf<Gateway['baseUrl']>().toEqualTypeOf<string>();
  });

  it('gives RPC handlers the caller and the data, and lets them answer with their own error code', () => {
    expectTypeOf<RpcCall>().toHaveProperty('user').toEqualTypeOf<string>();
    expectTypeOf<RpcCall>().toHaveProperty('client').toEqualTypeOf<string>();
    expectTypeOf<RpcHandler>().parameter(0).toEqualTypeOf<RpcCall>();
    expectTypeOf<{ code: number; message: string }>().toExtend<ConstructorParameters<typeof RpcError>[0]>();
    expectTypeOf<RpcError['code']>().toEqualTypeOf<number>();
  });

  it('lets extensions mount routes and reach the node and the server API, never the session state', () => {
    expectTypeOf<GatewayExtension['routes']>().toEqualTypeOf<Record<string, RouteHandler> | undefined>();
    expectTypeOf<GatewayExtension['start']>().toEqualTypeOf<((host: GatewayHost) => Promise<void>) | undefined>();
    expectTypeOf<GatewayHost>().toHaveProperty('node').toEqualTypeOf<RealtimeNode>();
    expectTypeOf(createInboxExtension).returns.toEqualTypeOf<GatewayExtension>();
    // The node offers operations on connections, not the sessions' fields to write.
    expectTypeOf<RealtimeNode>().toHaveProperty('disconnect');
    expectTypeOf<RealtimeNode>().toHaveProperty('refresh');
    expectTypeOf<RealtimeNode>().toHaveProperty('events');
  });

  it('describes a transport by name, direction and the frames it writes', () => {
    expectTypeOf<TransportName>().toEqualTypeOf<'websocket' | 'http_stream' | 'sse' | 'uni_websocket' | 'uni_http_stream' | 'uni_sse'>();
    // Text for the JSON protocol, bytes for protobuf.
    expectTypeOf<Transport['write']>().toEqualTypeOf<(frame: string | Uint8Array) => void>();
    expectTypeOf<Transport['unidirectional']>().toEqualTypeOf<boolean>();
    expectTypeOf<Transport['close']>().parameter(0).toEqualTypeOf<{ code: number; reason: string }>();
  });

  it('mints tokens for a user with optional channels and expiry', () => {
    expectTypeOf(mintToken).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(mintToken).returns.resolves.toEqualTypeOf<string>();
    // @ts-expect-error a user is required
    void mintToken('secret', {});
  });
});
