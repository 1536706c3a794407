/**
 * The recipes `npm run peers` knows, in install order. A new program is one file in this folder
 * (a `Recipe`: name, version, programs, install) and one line here; its version goes in versions.ts.
 */
import type { Recipe } from '../recipe';
import { envoy } from './envoy';
import { jaeger } from './jaeger';
import { kube } from './kube';
import { otelcol } from './otelcol';
import { traefik } from './traefik';
import { zipkin } from './zipkin';

export const RECIPES: readonly Recipe[] = [envoy, jaeger, otelcol, zipkin, traefik, kube];
