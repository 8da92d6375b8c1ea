import { catalogueKey, isCentrifugoKey, isOff, unsupportedProblem, verdictFor, type Verdict } from './centrifugo.js';
import { isPlainObject, type PlainObject } from './plain-objects.js';
import { schemaAt, valueKind } from './schema-walk.js';
import { configSchema, durationText, overlaySchema } from './schema.js';
import type { z } from 'zod';

/**
 * Reads a config file the way Centrifugo v6 does before the schema judges it: numbers and
 * booleans may be strings (`"port": "8000"`), a duration may be a number of nanoseconds, and a
 * Centrifugo key that Renum Realtime does not support is taken out — a problem naming it when it
 * asks for something, accepted when it is off (`"grpc_api": {"enabled": false}`).
 */

export interface KeyNote {
  /** Path in the file, e.g. `channel.namespaces[2].delta_publish`. */
  path: string;
  verdict: Verdict;
  /** The value asks for nothing (false, "", 0, empty, or enabled: false). */
  off: boolean;
}

export interface Adapted {
  value: PlainObject;
  problems: string[];
  /** The Centrifugo keys taken out, and why. */
  notes: KeyNote[];
}

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;
const NS_PER_MS = 1_000_000;

/**
 * `schema` is what `raw` is parsed with; `at` is where `raw` sits in the file (e.g.
 * ['environments', 'local']), used only to name keys in problems.
 */
export function adaptCentrifugoForms(
  schema: z.ZodType,
  raw: PlainObject,
  label: (path: readonly PropertyKey[]) => string,
  at: readonly PropertyKey[] = [],
): Adapted {
  const problems: string[] = [];
  const notes: KeyNote[] = [];

  const adaptValue = (node: z.ZodType, value: unknown, path: PropertyKey[]): unknown => {
    switch (valueKind(node)) {
      case 'object':
        return isPlainObject(value) ? adaptObject(value, path) : value;
      case 'array':
        return Array.isArray(value) ? value.map((item, index) => (isPlainObject(item) ? adaptObject(item, [...path, index]) : item)) : value;
      case 'number':
        return typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value;
      case 'boolean':
        return value === 'true' || value === 'false' ? value === 'true' : value;
      case 'string':
        if (node === durationText) return typeof value === 'number' && Number.isInteger(value) && value >= NS_PER_MS ? `${value / NS_PER_MS}ms` : value;
        return typeof value === 'number' ? String(value) : value;
      case 'other':
        return value;
    }
  };

  const adaptObject = (object: PlainObject, path: PropertyKey[]): PlainObject => {
    const out: PlainObject = {};
    for (const [key, value] of Object.entries(object)) {
      const childPath = [...path, key];
      const node = schemaAt(schema, childPath);
      if (node) {
        out[key] = adaptValue(node, value, childPath);
        continue;
      }
      const centrifugoKey = catalogueKey(childPath);
      const verdict = isCentrifugoKey(centrifugoKey) ? verdictFor(centrifugoKey) : undefined;
      if (!verdict || verdict.kind === 'honoured') {
        // Not Centrifugo's, or honoured by a part of the schema still to come: the schema judges it.
        out[key] = value;
        continue;
      }
      const off = isOff(value);
      notes.push({ path: label([...at, ...childPath]), verdict, off });
      if (verdict.kind === 'unsupported' && !off) problems.push(unsupportedProblem(label([...at, ...childPath]), verdict.alternative));
    }
    return out;
  };

  return { value: adaptObject(raw, []), problems, notes };
}

/** `adaptCentrifugoForms` over a whole file: the base keys and each `environments.<name>` section. */
export function adaptConfigFile(raw: PlainObject, label: (path: readonly PropertyKey[]) => string): Adapted {
  const { environment, environments, ...base } = raw;
  const adapted = adaptCentrifugoForms(configSchema, base, label);
  const value: PlainObject = { ...adapted.value, ...(environment === undefined ? {} : { environment }) };
  if (!isPlainObject(environments)) return environments === undefined ? { ...adapted, value } : { ...adapted, value: { ...value, environments } };
  const profiles: PlainObject = {};
  for (const [name, section] of Object.entries(environments)) {
    if (!isPlainObject(section)) {
      profiles[name] = section;
      continue;
    }
    const inner = adaptCentrifugoForms(overlaySchema, section, label, ['environments', name]);
    profiles[name] = inner.value;
    adapted.problems.push(...inner.problems);
    adapted.notes.push(...inner.notes);
  }
  return { ...adapted, value: { ...value, environments: profiles } };
}
