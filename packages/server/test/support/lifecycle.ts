import { loadConfig } from '../../src/config/load.js';
import { configuredEngine, configuredExtensions } from '../../src/features.js';
import { createLogger } from '../../src/log.js';
import { baseTestConfig, deepMerge, startGateway, writeConfigFile, type ConfigFile, type TestGateway } from './gateway.js';

/**
 * A gateway wired from its config as `renum-realtime serve` wires it: the engine (Redis when the
 * config names one) and the extensions the config turns on (user status, webhooks …).
 */
export async function startConfiguredGateway(overrides: ConfigFile): Promise<TestGateway> {
  const config = loadConfig({ file: writeConfigFile(deepMerge(baseTestConfig, overrides)), environ: {} });
  const engine = await configuredEngine(config, createLogger('silent'));
  return startGateway(overrides, undefined, { engine, extensions: await configuredExtensions(config) });
}
