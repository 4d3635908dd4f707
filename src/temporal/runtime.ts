/**
 * The Temporal Runtime of a production process: SDK and core logs into the pino logger, Prometheus
 * metrics on METRICS_BIND_ADDRESS (off by default; `127.0.0.1:9464` keeps them on the host,
 * `0.0.0.0:9464` exposes them to a scraper in another container). Must run before any connection or
 * worker is created. The Runtime also owns the shutdown signals (SIGINT, SIGTERM, SIGQUIT, SIGUSR2):
 * on one, every worker stops polling and drains (see worker-options.ts, shutdownGraceTime).
 */
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { temporalLevel, temporalLoggerFor } from './logging';

export function installRuntime(config: Pick<Config, 'logLevel' | 'metrics'>, logger: Logger): Runtime {
  const coreLevel = temporalLevel(config.logLevel === 'info' ? 'warn' : config.logLevel); // core INFO is chatty
  return Runtime.install({
    logger: temporalLoggerFor(logger, config.logLevel),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: coreLevel, other: coreLevel }), forward: {} },
      ...(config.metrics.bindAddress ? { metrics: { prometheus: { bindAddress: config.metrics.bindAddress } } } : {}),
    },
  });
}
